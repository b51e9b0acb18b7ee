"""The pictures plot_tensorflow_results.py draws, one module per picture.

Every picture's module imports matplotlib (the Agg back end only: no display
is ever needed); the plot script imports a module once its command line has
been checked, so that --help and a bad argument answer without matplotlib.
``style`` holds what the pictures share: sizes, line styles, how a PNG is
written; ``files`` the name of each picture's file, which the command line
checks before anything trains.  Neither imports matplotlib.
"""
