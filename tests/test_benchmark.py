"""The benchmark's goals between two rows of its in-process table: each run's ratio
within its own round, the median of those; only rows the table times.  And the
suite's profile (benchmarks/suite_profile.py) of a small suite of its own.
(Timings themselves are never tested; test_readme.py holds the pasted tables to
the benchmark's rows.)"""

import os
import re
import sys

import pytest
from conftest import ROOT, run_script

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import in_process  # noqa: E402

from frameworks import tape  # noqa: E402
from implementations import FRAMEWORKS  # noqa: E402


def timed(per_iteration):
    return {"setup": [0.1] * len(per_iteration), "per_iteration": per_iteration}


def test_each_goal_compares_two_rows_the_table_times():
    rows = {(label, update, optimizer) for label, _, update, optimizer in in_process.TRAINERS}
    rows.add(in_process.FLOOR_ROW)
    for name, mine, theirs, goal, _ in in_process.ROW_GOALS:
        assert {mine, theirs} <= rows, name
        assert goal > 1, name
    assert in_process.COMPILED_LOOP_GOAL_FROM >= tape.XLA_FROM_ITERATIONS
    if FRAMEWORKS["jax"].installed:
        from frameworks import jax_autodiff

        assert in_process.COMPILED_LOOP_GOAL_FROM == jax_autodiff.FULLY_OPTIMIZED_FROM


def test_the_ratio_is_the_median_of_each_runs_own():
    results = {
        # run by run, the step is 2, 3 and 1 times the floor: the median is 2, where
        # the medians' ratio would be 3 / 2
        "Keras fit|sequential|sgd|2000": timed([2.0, 6.0, 3.0]),
        "Keras fit floor|no update|none|2000": timed([1.0, 2.0, 3.0]),
        # below the size from which both loops are fully optimized XLA: no JAX row
        "JAX scan|parallel|sgd|2000": timed([1.0, 1.0, 1.0]),
        "TensorFlow tape|parallel|sgd|2000": timed([30.0, 30.0, 30.0]),
        "JAX scan|parallel|sgd|100000": timed([1.0, 1.0, 1.0]),
        "TensorFlow tape|parallel|sgd|100000": timed([0.5, 1.0, 4.0]),
    }
    lines = in_process.goals_table(results, 3).splitlines()
    assert lines[0] == "The goals between two rows: each run's ratio, median of 3 runs"
    assert [line.split()[-4:] for line in lines[2:]] == [
        ["2000", "2.00", "<=", "1.6"],
        ["100000", "1.00", "<=", "2"],
    ]
    assert lines[2].startswith("Keras sequential step over fit()'s floor ")
    assert lines[3].startswith("JAX's scan over TensorFlow's loop, parallel ")


def test_without_both_rows_of_any_goal_there_is_no_goals_table():
    assert in_process.goals_table({"NumPy reference|parallel|sgd|2000": timed([1.0])}, 1) == ""


@pytest.mark.slow
def test_the_suite_profile_shows_files_workers_and_processes_and_pytests_status(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_sample.py").write_text(
        "import subprocess, sys\n"
        "def test_a_process():\n"
        "    subprocess.run([sys.executable, '-c', 'sum(range(10**6))'], check=True)\n"
        "def test_that_fails():\n"
        "    assert False\n"
    )
    done = run_script(
        "benchmarks/suite_profile.py",
        *("-c", str(tmp_path / "pytest.ini"), "-n", "2", str(tmp_path / "test_sample.py")),
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # pytest's: a test failed
    shown = done.stdout.split("1 failed, 1 passed")[1]
    assert re.search(r"^The run: \d+ s wall, \d+ CPU s in all its processes, 2 tests,", shown, re.M)
    assert re.search(r"^gw[01] +\d+ +\d+$", shown, re.M)
    assert re.search(r"^ +\d+\.\d  .*test_sample\.py$", shown, re.M)
    for command in (
        "pytest-xdist's worker gw0",
        "pytest-xdist's worker gw1",
        "-c sum(range(10**6))",
    ):
        assert re.search(rf"^ +\d+\.\d  {re.escape(command)}$", shown, re.M), command
