"""Shared set-up: the repository on sys.path, and trained runs cached per session.

TensorFlow is imported once for the whole suite and every run is trained in
this process; a run asked for twice is trained once.
"""

import functools
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from implementations import FRAMEWORKS  # noqa: E402
from numpy_ref import MAZUR  # noqa: E402


@functools.lru_cache(maxsize=None)
def trained(framework, update, dtype="float64", iterations=1000, learning_rate=0.5):
    """One training run of any framework in the registry, cached for the session."""
    example = MAZUR.with_learning_rate(learning_rate)
    return FRAMEWORKS[framework].train(iterations, update, example, dtype)


@pytest.fixture(scope="session")
def train_run():
    return trained


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


def without_package(tmp_path, name):
    """Environment variables under which ``import name`` fails as if it were not installed.

    A sitecustomize.py on PYTHONPATH puts a finder first on sys.meta_path
    that refuses the package and its submodules.
    """
    folder = tmp_path / f"without-{name}"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(
        "import sys\n"
        "class Refuse:\n"
        "    def find_spec(self, fullname, path=None, target=None):\n"
        f"        if fullname == {name!r} or fullname.startswith({name!r} + '.'):\n"
        "            raise ModuleNotFoundError(f'No module named {fullname!r}', name=fullname)\n"
        "sys.meta_path.insert(0, Refuse())\n"
    )
    return {"PYTHONPATH": str(folder)}
