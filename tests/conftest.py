"""Shared set-up: the repository on sys.path, and trained runs cached per session.

TensorFlow is imported once per worker (pytest.ini runs one on every core) and
every run is trained in that process; a run asked for twice is trained once
(``trained`` for one framework, ``sharing_runs`` for every implementation, as
compare_implementations.py trains them).  Also the helpers more than one test
file uses: running a script, reading its one-line errors, the six-sample CSV,
and the blocks and numbers of the README and its pages.
"""

import contextlib
import functools
import gc
import importlib
import io
import logging
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# NumPy's BLAS on one thread, in the workers and every process they start (set before
# NumPy is first imported): no array here is big enough for a second thread, and
# OpenBLAS's idle threads spin at each start, 0.1 s of CPU in each of the suite's
# ~400 processes (a script that refuses its command line: 0.31 s of CPU, 0.20 without).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# TensorFlow's operations one at a time, on one inter-op thread (set before TensorFlow
# starts): the graphs here are a few dozen ops on 2 x 2 tensors, and with two workers
# on two cores a second thread only waits for work, spinning: 9% less CPU in the
# whole suite (docs/development.md).  Each op computes what it computed before.
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import console.terminal  # noqa: E402
import implementations  # noqa: E402
from implementations import FRAMEWORKS  # noqa: E402
from implementations.settings import RunSettings  # noqa: E402
from numpy_ref import MAZUR  # noqa: E402
from numpy_ref.cpu import C_LIBRARY, OWN, numpy_exp  # noqa: E402

# A script's main run in a worker (conftest.printed, or a test reading stderr) must
# leave fd 2 and sys.stderr where pytest put them: the first call of
# quiet_tensorflow_logs would move both for the rest of the worker, and the test that
# made it would read nothing on stderr.  The workers keep TensorFlow's Python log at
# errors, as the scripts do, and count as quieted already.
logging.getLogger("tensorflow").setLevel(logging.ERROR)
console.terminal._quieted = True

#: For the tests of a table the docs show with every optional framework's rows in it
#: (PyTorch's, JAX's): without one (CI's light pass) the script prints other rows,
#: and there is nothing to compare.
shows_every_framework = pytest.mark.skipif(
    not all(framework.installed for framework in FRAMEWORKS.values()),
    reason="the docs' table has every optional framework's rows, and one is not installed",
)


def pytest_configure(config):
    """CI's full pass (CI=true, without CI_LIGHT) installs every framework (Mono for the
    C# cross-check too) and the page's browser: one missing there would skip its
    tests, so it fails the run instead."""
    from explorer.browser import missing as browser_missing
    from implementations import not_installed

    if os.environ.get("CI") == "true" and not os.environ.get("CI_LIGHT"):
        missing = [framework.not_installed() for framework in not_installed()]
        if missing:
            raise pytest.UsageError(
                f"CI's full pass needs every framework, and {'; '.join(missing)}"
            )
        problem = browser_missing()
        if problem:
            raise pytest.UsageError(f"CI's full pass runs the page's browser tests, and {problem}")


#: The test files that train Keras on JAX or PyTorch (in the child processes of
#: frameworks/keras_child.py, one per backend and worker) or read the comparison's
#: shared runs: one worker runs them all, so that only it starts the two children and
#: trains each run these files share.  Split over both workers, each started its own
#: two children, and both trained the default comparison's runs on every framework.
ONE_WORKER_FILES = {
    "test_compare.py",
    "test_cross_framework_page.py",
    "test_csharp.py",
    "test_frameworks_agree.py",
    "test_keras_backends.py",
    "test_optimizer_options.py",
    "test_plot.py",
    "test_readme.py",
    "test_readme_optimizers.py",
    "test_standard_output.py",
    "test_when_things_go_wrong.py",
}


def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scheduler of scopes (a worker that is free takes the next), whose
    scopes are ONE_WORKER_FILES's tests together and every other test alone; in the
    quick lane (-m "not slow") every other file's tests together, since there a round
    trip to the controller for each test cost more than the tests (76 to 78 s against
    69 to 71), while in the whole suite a file of a few slow tests taken last would leave
    the other worker idle (9 min 30 s against 9 min 8 s).  pytest-xdist's own --dist
    loadgroup would group by marks, but renames the tests to do it, which pytest 9
    no longer lets it do."""
    from xdist.scheduler import LoadScopeScheduling

    quick_lane = "not slow" in (config.getoption("markexpr") or "")

    class ChildrenOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            test_file = nodeid.split("::")[0]
            if test_file.rsplit("/", 1)[-1] in ONE_WORKER_FILES:
                return "one worker"
            return test_file if quick_lane else nodeid

    return ChildrenOnOneWorker(config, log)


def pytest_unconfigure(config):
    """The run is over: this process (a worker holds TensorFlow, PyTorch and JAX)
    exits without the collector's walk over every object, as the scripts do
    (console.startup.skip_final_collections)."""
    gc.freeze()


@functools.cache
def trained(framework, update, dtype="float64", iterations=1000, learning_rate=0.5):
    """One training run of any framework in the registry, cached for the session."""
    example = MAZUR.with_learning_rate(learning_rate)
    return FRAMEWORKS[framework].train(RunSettings(iterations, update, example, dtype))


@pytest.fixture(scope="session")
def train_run():
    return trained


#: implementations' run_all and start_in_background themselves, for sharing_runs
_RUN_ALL = implementations.run_all
_START_IN_BACKGROUND = implementations.start_in_background
#: {(RunSettings, frameworks): run_all's answer}, kept for the session
_SHARED_RUNS = {}


def _shared_key(run, frameworks):
    return run, None if frameworks is None else tuple(frameworks)


def shared_run_all(run, *, progress=False, frameworks=None):
    """implementations.run_all, trained once per worker for each run and choice of
    frameworks (the progress bar only shows the first time)."""
    key = _shared_key(run, frameworks)
    if key not in _SHARED_RUNS:
        _SHARED_RUNS[key] = _RUN_ALL(run, progress=progress, frameworks=frameworks)
    return _SHARED_RUNS[key]


def shared_start_in_background(runs, frameworks=None):
    """implementations.start_in_background for the runs not shared yet: a shared run
    is not trained again, so no child process starts for it."""
    fresh = [run for run in runs if _shared_key(run, frameworks) not in _SHARED_RUNS]
    if fresh:
        _START_IN_BACKGROUND(fresh, frameworks)


@contextlib.contextmanager
def sharing_runs(*, afresh=False):
    """Within this block, implementations.run_all (compare_implementations.main's
    training) is shared_run_all: tests that only read the same runs (the table, its
    JSON and CSV, the pages' figures) share one training.  A test that changes what
    is installed or how a framework trains must not use it.  ``afresh``: the block
    trains its runs even where they are shared already (for a test that counts what
    the training starts), and shares them from then on."""
    earlier = dict(_SHARED_RUNS)
    if afresh:
        _SHARED_RUNS.clear()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(implementations, "run_all", shared_run_all)
            patch.setattr(implementations, "start_in_background", shared_start_in_background)
            yield
    finally:
        for key, runs in earlier.items():  # a run trained afresh keeps its new training
            _SHARED_RUNS.setdefault(key, runs)


@pytest.fixture(scope="session")
def every_optimizer_table():
    """(what `python compare_implementations.py 1000 --optimizer all` prints, run in
    this process; the requests it sent Keras's backend children, as (backend, number
    of runs)): one training for the README's table and the tests of its rows, whose
    JSON and CSV then share it (sharing_runs)."""
    import compare_implementations
    from frameworks import keras_child

    sent = []
    send = keras_child.Child.send

    def counted_send(child, runs):
        sent.append((child.backend, len(runs)))
        return send(child, runs)

    with pytest.MonkeyPatch.context() as patch, sharing_runs(afresh=True):
        patch.setattr(keras_child, "_STARTED", {})
        patch.setattr(keras_child.Child, "send", counted_send)
        text = printed(compare_implementations.main, ["1000", "--optimizer", "all"])
    return text, sent


def run_script(*args, timeout=300, env=None, **options):
    """Run one of the scripts as a user would; return the CompletedProcess.

    ``env``: variables to set on top of this process's environment.
    """
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        **options,
    )


def printed(main, arguments):
    """What a script's ``main`` prints on stdout for ``arguments`` (its command line
    as a list), run in this process (asserted: status 0): for a command whose process
    another test runs, or that shows nothing more as one."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(arguments) == 0
    return buffer.getvalue()


def finished(script, arguments, *, as_process):
    """(exit status, stdout, stderr) of ``script`` ("ann_keras.py") given ``arguments``
    (its command line as a list): run as the process a user starts, or its ``main``
    run in this process, for a command whose process another test runs."""
    if as_process:
        done = run_script(script, *arguments)
        return done.returncode, done.stdout, done.stderr
    main = importlib.import_module(script.removesuffix(".py")).main
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(arguments)
    return status, stdout.getvalue(), stderr.getvalue()


def without_package(tmp_path, *names):
    """Environment variables under which ``import name`` fails, for each of ``names``,
    as if it were not installed.

    A sitecustomize.py on PYTHONPATH puts a finder first on sys.meta_path
    that refuses the packages and their submodules.
    """
    folder = tmp_path / ("without-" + "-".join(names))
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(
        "import sys\n"
        f"REFUSED = {names!r}\n"
        "class Refuse:\n"
        "    def find_spec(self, fullname, path=None, target=None):\n"
        "        if fullname.split('.')[0] in REFUSED:\n"
        "            raise ModuleNotFoundError(f'No module named {fullname!r}', name=fullname)\n"
        "sys.meta_path.insert(0, Refuse())\n"
    )
    return {"PYTHONPATH": str(folder)}


def one_line(stderr):
    """The one line of ``stderr`` (asserted: exactly one, and no traceback)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def refused(*args):
    """The one line a script prints when it refuses its command line (asserted: status 2)."""
    done = run_script(*args)
    assert done.returncode == 2, done.stderr
    return one_line(done.stderr)


def command_line_reader(*command):
    """The function with which ``command`` (("ann_keras.py",), ("-m", "numpy_ref"))
    reads its command line before anything else: its SCRIPT.parse, or its parse_args."""
    name = f"{command[1]}.__main__" if command[0] == "-m" else command[0].removesuffix(".py")
    module = importlib.import_module(name)
    return module.SCRIPT.parse if hasattr(module, "SCRIPT") else module.parse_args


def refused_in_process(*args):
    """What refused(*args) returns, from the script's own command-line reader run in
    this process: for the many refusals of a script whose refusal a test also runs as
    a process (tests/test_command_line.py), which shows that a refused command line is
    one line on stderr, with no framework imported to write beside it."""
    split = 2 if args[0] == "-m" else 1
    read = command_line_reader(*args[:split])
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        with pytest.raises(SystemExit) as exited:
            read(list(args[split:]))
    assert exited.value.code == 2, stderr.getvalue()
    assert stdout.getvalue() == ""
    return one_line(stderr.getvalue())


#: A --data CSV of six samples: XOR's four corners and two in between.
SIX_SAMPLES = "i1,i2,t1,t2\n0,0,0,1\n0,1,1,0\n1,0,1,0\n1,1,0,1\n0.5,0.5,0.5,0.5\n0.2,0.3,0.1,0.9\n"

# The README and its pages, for the tests that hold them to what the code computes

DOCS_FOLDER = os.path.join(ROOT, "docs")


def _read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as file:
        return file.read()


#: {path from the repository's root: text}: the README, then every page under docs/
PAGES = {
    "README.md": _read("README.md"),
    **{
        f"docs/{name}": _read(f"docs/{name}")
        for name in sorted(os.listdir(DOCS_FOLDER))
        if name.endswith(".md")
    },
}
README = PAGES["README.md"]
DOCS = "\n".join(PAGES.values())  # the README and every page, for figures wherever shown
PROSE = " ".join(DOCS.split())  # line breaks folded, for phrases
NUMBER = re.compile(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?%?")


def page(name):
    """The text of docs/``name``."""
    return PAGES[f"docs/{name}"]


def section(text, heading):
    """The section of ``text`` under the ``## heading`` line, to the next ## heading."""
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def shown_blocks(prefix):
    """{marker: block} of every block, on any page, whose marker starts with ``prefix``."""
    markers = re.findall(rf"<!-- ({re.escape(prefix)}.*?) -->", DOCS)
    return {marker: shown_block(marker) for marker in markers}


def shown_block(marker):
    """The fenced block right after an HTML-comment marker, on whichever page shows it."""
    found = [text for text in PAGES.values() if f"<!-- {marker} -->" in text]
    shown = sum(text.count(f"<!-- {marker} -->") for text in found)
    assert shown == 1, f"{marker!r} is shown {shown} times, not once"
    text = found[0]
    start = text.index(f"<!-- {marker} -->")
    body = text[start:].split("```text\n", 1)[1]
    return body.split("```", 1)[0].rstrip("\n")


def numbers_in(line):
    """Every number in ``line``, as a float (a percentage's % left off)."""
    return [float(token.rstrip("%")) for token in NUMBER.findall(line)]


#: The docs' figures were made where NumPy's float64 exp is its own vector code (a
#: CPU with AVX-512; numpy_ref/cpu.py). reference-figures.md lists the figures that
#: are otherwise at rounding level or a chaotic run's last digits, with both values.
DOCS_MADE_WITH_EXP = OWN
ON_THE_DOCS_KIND_OF_CPU = numpy_exp() == DOCS_MADE_WITH_EXP


def _figures_that_follow_the_exp():
    """{figure: {OWN: text, C_LIBRARY: text}} of reference-figures.md's table."""
    text = section(page("reference-figures.md"), "Figures that follow the CPU's exp")
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines()]
    return {
        row[0]: {OWN: row[2], C_LIBRARY: row[3]}
        for row in rows
        if len(row) == 4 and row[0] not in ("figure", "---")
    }


FOLLOWS_THE_EXP = _figures_that_follow_the_exp()


def as_computed_here(shown, written, figure):
    """Whether a figure the docs show (text) is ``written``, computed here in the docs'
    format. A ``figure`` that reference-figures.md lists as following the CPU's exp
    shows that table's value for the docs' exp and computes its value for this
    CPU's; any other is the same text."""
    values = FOLLOWS_THE_EXP.get(figure)
    if values is None:
        return shown == written
    return shown == values[DOCS_MADE_WITH_EXP] and written == values[numpy_exp()]
