"""The layout keeps its promises: numpy_ref is NumPy only, scripts import packages, not scripts."""

import ast
import os
import sys

import pytest
from conftest import ROOT, run_script

SCRIPTS = ("ann_tensorflow", "ann_keras", "compare_implementations",
           "plot_tensorflow_results", "test_installation")
PACKAGES = ("numpy_ref", "console", "frameworks", "implementations", "figures")
HEAVY = ("tensorflow", "keras", "matplotlib")


def python_files(folder):
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if name.endswith(".py"))


def imported_modules(path):
    """The top-level names of every module ``path`` imports (relative imports left out)."""
    tree = ast.parse(open(path, encoding="utf-8").read(), filename=path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", [
    # __main__.py is the command line, an entry point like the scripts
    path for path in python_files(os.path.join(ROOT, "numpy_ref"))
    if not path.endswith("__main__.py")
])
def test_numpy_ref_modules_import_numpy_and_the_standard_library_only(path):
    outside = imported_modules(path) - set(sys.stdlib_module_names) - {"numpy"}
    assert not outside, f"{os.path.basename(path)} imports {sorted(outside)}"


def test_importing_the_light_packages_imports_no_framework():
    code = (
        "import pkgutil, importlib, sys\n"
        "import numpy_ref, console, implementations, frameworks\n"
        "for package in (numpy_ref, console):\n"
        "    for module in pkgutil.iter_modules(package.__path__):\n"
        "        importlib.import_module(f'{package.__name__}.{module.name}')\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = run_script("-c", code, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("path", [
    *(os.path.join(ROOT, f"{script}.py") for script in SCRIPTS),
    *(path for package in PACKAGES for path in python_files(os.path.join(ROOT, package))),
    os.path.join(ROOT, "benchmarks", "bench.py"),
])
def test_no_module_imports_a_script(path):
    assert not imported_modules(path) & set(SCRIPTS), path


def test_readme_layout_names_every_folder_and_script():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    layout = readme.split("## Layout", 1)[1]
    for name in (*(f"{s}.py" for s in SCRIPTS), *(f"{p}/" for p in PACKAGES),
                 "benchmarks/", "tests/", "docs/"):
        assert name in layout, name
