"""Whether an optional package can be imported, without importing it."""

import importlib.util


def installed(name: str) -> bool:
    """Whether ``import name`` would find the package (it is not imported here).

    A finder that refuses the package outright (ModuleNotFoundError, as the
    tests' stand-in for an uninstalled package raises) counts as missing too.
    """
    try:
        return importlib.util.find_spec(name) is not None
    except (ModuleNotFoundError, ValueError):
        return False
