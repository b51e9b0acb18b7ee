"""Standard output that cannot take the results: full, closed, or ASCII only.

A full or closed standard output is one line and exit status 1 (README: "When
things go wrong"); one that cannot encode Unicode gets ASCII spellings.
"""

import contextlib
import io
import os
import subprocess
import sys

import pytest
from conftest import ROOT, one_line, run_script, sharing_runs

import compare_implementations


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, unbuffered",
    [
        (["ann_keras.py", "10"], False),
        (["-m", "numpy_ref", "10"], True),
        (["compare_implementations.py", "--study", "--starts", "2", "--max-iterations", "5"], True),
    ],
)
def test_a_full_standard_output_is_one_line_and_exit_1(args, unbuffered):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONUNBUFFERED": "1" if unbuffered else ""},
        )
    assert done.returncode == 1
    assert one_line(done.stderr) == (
        "error: cannot write to standard output: No space left on device"
    )


def test_a_closed_standard_output_is_one_line_and_exit_1():
    done = subprocess.run(
        [sys.executable, "-m", "numpy_ref", "10"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 1
    assert one_line(done.stderr) == (
        "error: standard output is closed: nowhere to write the results"
    )


@pytest.mark.slow
def test_an_ascii_standard_output_gets_ascii_spellings():
    done = run_script("-m", "numpy_ref", "--explain", env={"PYTHONIOENCODING": "ascii"}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "= dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5" in done.stdout
    # The comparison's table, in this process (its trainings shared) on a standard
    # output that encodes ASCII alone, as PYTHONIOENCODING=ascii makes it above.
    ascii_only = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    with contextlib.redirect_stdout(ascii_only), sharing_runs():
        assert compare_implementations.main(["3"]) == 0
    ascii_only.flush()
    assert "max |d| over" in ascii_only.buffer.getvalue().decode("ascii")
