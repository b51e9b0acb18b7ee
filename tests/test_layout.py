"""The layout keeps its promises (docs/architecture.md): numpy_ref is NumPy only, imports
point one way, from the command line down to the libraries, scripts import packages, not
scripts, and no file holds two ideas' worth of lines."""

import ast
import os
import sys

import pytest
from conftest import ROOT, page, run_script, section

SCRIPTS = (
    "ann_tensorflow",
    "ann_keras",
    "ann_pytorch",
    "ann_jax",
    "ann_csharp",
    "compare_implementations",
    "plot_tensorflow_results",
    "test_installation",
    "explore",
)
PACKAGES = (
    "numpy_ref",
    "console",
    "frameworks",
    "implementations",
    "figures",
    "explorer",
    "support",
)
#: The libraries: they never import the command line (console/, the scripts).
LIBRARIES = ("numpy_ref", "frameworks", "implementations", "figures", "explorer")
COMMAND_LINE = ("console", *SCRIPTS)
#: A file longer than this holds two ideas (docs/architecture.md).
MOST_LINES = 450
HEAVY = ("tensorflow", "keras", "matplotlib")


def python_files(folder):
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".py"))


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


@pytest.mark.parametrize(
    "path",
    [
        # __main__.py is the command line, an entry point like the scripts
        path
        for path in python_files(os.path.join(ROOT, "numpy_ref"))
        if not path.endswith("__main__.py")
    ],
)
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


@pytest.mark.parametrize(
    "path",
    [
        *(os.path.join(ROOT, f"{script}.py") for script in SCRIPTS),
        *(path for package in PACKAGES for path in python_files(os.path.join(ROOT, package))),
        os.path.join(ROOT, "benchmarks", "bench.py"),
    ],
)
def test_no_module_imports_a_script(path):
    assert not imported_modules(path) & set(SCRIPTS), path


@pytest.mark.parametrize(
    "path",
    [
        path
        for package in LIBRARIES
        for path in python_files(os.path.join(ROOT, package))
        # a package's __main__.py is its command line, an entry point like the scripts
        if not path.endswith("__main__.py")
    ],
)
def test_libraries_never_import_the_command_line(path):
    assert not imported_modules(path) & set(COMMAND_LINE), path


@pytest.mark.parametrize("path", python_files(os.path.join(ROOT, "support")))
def test_support_imports_neither_side(path):
    assert not imported_modules(path) & {*LIBRARIES, *COMMAND_LINE}, path


def test_the_import_walk_sees_an_arrow_into_the_command_line(tmp_path):
    """The walk above finds imports inside functions too, where the lazy ones live."""
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from console.settings import OutputFiles\n")
    assert "console" in imported_modules(str(module))


def every_python_file():
    for folder, folders, names in os.walk(ROOT):
        folders[:] = [name for name in folders if not name.startswith((".", "__"))]
        yield from (os.path.join(folder, name) for name in names if name.endswith(".py"))


@pytest.mark.parametrize(
    "path", sorted(every_python_file()), ids=lambda path: os.path.relpath(path, ROOT)
)
def test_no_file_holds_two_ideas_worth_of_lines(path):
    with open(path, encoding="utf-8") as source:
        lines = sum(1 for _ in source)
    assert lines <= MOST_LINES, f"{os.path.relpath(path, ROOT)}: {lines} lines"


def test_architecture_layout_names_every_folder_and_script():
    layout = section(page("architecture.md"), "The layout, folder by folder")
    for name in (
        *(f"{s}.py" for s in SCRIPTS),
        *(f"{p}/" for p in PACKAGES),
        "benchmarks/",
        "tests/",
        "docs/",
    ):
        assert name in layout, name


def test_the_quick_lane_runs_a_test_of_every_file(request):
    """`python -m pytest -m "not slow"` (pytest.ini) leaves out the slow tests, but never a
    whole file: each file keeps at least one test in the quick lane."""
    if request.config.option.file_or_dir or request.config.option.keyword:
        pytest.skip("checked when the whole suite is collected")
    every_file = {
        name for name in os.listdir(os.path.join(ROOT, "tests")) if name.startswith("test_")
    }
    quick = {
        item.path.name for item in request.session.items if item.get_closest_marker("slow") is None
    }
    assert every_file - quick == set()
