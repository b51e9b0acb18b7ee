"""The pictures plot_tensorflow_results.py draws, one module per picture.

Every module here imports matplotlib (the Agg back end only: no display is
ever needed); the plot script imports a module once its command line has been
checked, so that --help and a bad argument answer without matplotlib.
``style`` holds what the pictures share: sizes, line styles, how a PNG is
written.
"""
