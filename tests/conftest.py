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

import numpy_ref  # noqa: E402


@functools.lru_cache(maxsize=None)
def trained(implementation, update, dtype="float64", iterations=1000, learning_rate=0.5):
    """One training run of any implementation, cached for the session."""
    example = numpy_ref.MAZUR.with_learning_rate(learning_rate)
    if implementation == "numpy":
        return numpy_ref.train(iterations, update, example, dtype)
    if implementation == "tensorflow":
        import ann_tensorflow

        return ann_tensorflow.train(iterations, update, example, dtype)
    if implementation == "keras":
        import ann_keras

        return ann_keras.train(iterations, update, example, dtype)[0]
    raise ValueError(implementation)


@pytest.fixture(scope="session")
def train_run():
    return trained


def run_script(*args, timeout=300):
    """Run one of the scripts as a user would; return the CompletedProcess."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
