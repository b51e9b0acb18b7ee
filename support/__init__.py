"""What the command line and the libraries both need, and nothing else.

    files.py      files and folders written whole or not at all
    progress.py   progress bars on long runs, and whether one is on the screen

It imports neither side: nothing from console/ (the command line) and nothing
from numpy_ref/, frameworks/, figures/ or implementations/ (the libraries),
so that both can import it and every arrow still points one way.
"""
