"""compare_implementations.py: rows, verdicts, JSON and CSV equal to the table."""

import csv
import io
import json

import numpy as np
import pytest

import compare_implementations
from console import comparison as compare
from implementations import run_all
from numpy_ref import MAZUR

ORIGINAL_ROWS = [("NumPy", "sequential"), ("NumPy", "parallel"),
             ("TF tape", "parallel"), ("Keras step", "sequential")]
ALL_ROWS = ORIGINAL_ROWS + [("TF tape", "sequential"), ("Keras fit", "parallel")]


@pytest.fixture(scope="module")
def float64_rows():
    return compare.compare(run_all(1000, MAZUR, "float64"))


@pytest.fixture(scope="module")
def default_output():
    """What `python compare_implementations.py 1000` prints, in three formats."""
    import contextlib

    printed = {}
    for mode in ("table", "json", "csv"):
        buffer = io.StringIO()
        flags = [] if mode == "table" else [f"--{mode}"]
        with contextlib.redirect_stdout(buffer):
            # --verbose leaves stderr alone: pytest owns it here
            assert compare_implementations.main(["1000", "--verbose", *flags]) == 0
        printed[mode] = buffer.getvalue()
    return printed


def test_rows_are_the_full_matrix_original_rows_first(float64_rows):
    assert [(row["label"], row["update"]) for row in float64_rows] == ALL_ROWS
    assert {row["implementation"] for row in float64_rows} == {"numpy", "tensorflow", "keras"}


def test_float64_verdicts_and_distances(float64_rows):
    for row in float64_rows:
        assert row["max_abs_diff_other_order"] > 1e-7
        if row["implementation"] == "numpy":
            assert row["verdict"] == f"reference, {row['update']}"
            assert row["max_abs_diff_same_order"] == 0
        else:
            assert row["max_abs_diff_same_order"] < 1e-15  # README: "below 1e-15"
            assert row["verdict"] == f"matches NumPy {row['update']}"


def test_float64_conclusions_say_rounding_level(float64_rows):
    sentences = compare.conclusions(float64_rows, "float64", 1000)
    assert "4.095e-07" in sentences[0] and "sequential is lower" in sentences[0]
    assert sentences[1].startswith("4 of 4 framework runs match")
    assert "rounding level" in sentences[2]


def test_default_table_shows_the_reference_figures(default_output):
    table = default_output["table"]
    assert "NumPy rows: the float64 reference; framework rows: float32." in table
    lines = table.splitlines()
    numpy_sequential = next(line for line in lines if line.startswith("NumPy       sequential"))
    numpy_parallel = next(line for line in lines if line.startswith("NumPy       parallel"))
    assert "0.0011153760  0.0011139404" in numpy_sequential
    assert "0.0011157856  0.0011143495" in numpy_parallel
    assert "4 of 4 framework runs match" in table
    assert "float32 rounding" in table
    assert all(len(line) <= 80 for line in lines)


def test_json_and_csv_hold_the_tables_numbers(default_output):
    document = json.loads(default_output["json"])
    assert document["settings"] == {"iterations": 1000, "learning_rate": 0.5,
                                    "framework_dtype": "float32", "reference_dtype": "float64"}
    rows = document["rows"]
    assert [(row["label"], row["update"]) for row in rows] == ALL_ROWS
    csv_rows = list(csv.DictReader(io.StringIO(default_output["csv"])))
    assert len(csv_rows) == len(rows)
    table_lines = default_output["table"].splitlines()
    for row, csv_row in zip(rows, csv_rows):
        assert row["dtype"] == ("float64" if row["implementation"] == "numpy" else "float32")
        assert float(csv_row["last_iteration_loss"]) == row["last_iteration_loss"]
        assert float(csv_row["final_loss"]) == row["final_loss"]
        assert float(csv_row["prediction_o2"]) == row["prediction"][1]
        assert csv_row["verdict"] == row["verdict"]
        start = f"{row['label']:10}  {row['update']:10}  {row['last_iteration_loss']:12.10f}"
        result_line = next(line for line in table_lines if line.startswith(start))
        assert f"{row['error_reduction_percent']:8.4f}%" in result_line
        assert any(line.startswith(f"{row['label']:10}  {row['update']:10}")
                   and line.endswith(row["verdict"]) for line in table_lines)
    assert document["conclusions"][1].startswith("4 of 4")


def test_a_float32_run_too_short_to_tell_says_so():
    rows = compare.compare(run_all(2, MAZUR, "float32"))
    verdicts = {row["verdict"] for row in rows if row["implementation"] != "numpy"}
    assert all(v.startswith(("matches", "nearer")) for v in verdicts)
    losses = np.array([row["last_iteration_loss"] for row in rows])
    assert np.all(np.isfinite(losses))
