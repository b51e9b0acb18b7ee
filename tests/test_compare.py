"""compare_implementations.py: rows, verdicts, JSON and CSV equal to the table."""

import csv
import io
import json

import numpy as np
import pytest
from conftest import run_script, shared_run_all, sharing_runs, without_package

import compare_implementations
from console import comparison as compare
from implementations import FRAMEWORKS
from implementations.settings import RunSettings
from numpy_ref import train

ORIGINAL_ROWS = [
    ("NumPy", "sequential"),
    ("NumPy", "parallel"),
    ("TF tape", "parallel"),
    ("Keras step", "sequential"),
]
#: The optional frameworks' rows where they are installed (requirements-frameworks.txt)
OPTIONAL_ROWS = [
    row
    for name, rows in (
        ("pytorch", [("PyTorch", "parallel"), ("PyTorch", "sequential")]),
        ("jax", [("JAX", "parallel"), ("JAX", "sequential")]),
        ("keras-jax", [("Keras jax", "sequential"), ("Keras jax", "parallel")]),
        ("keras-torch", [("Keras pt", "sequential"), ("Keras pt", "parallel")]),
    )
    if FRAMEWORKS[name].installed
    for row in rows
]
#: The C# cross-check's rows where Mono is installed: plain SGD in float64 only
CSHARP_ROWS = [("C#", "parallel"), ("C#", "sequential")] if FRAMEWORKS["csharp"].installed else []
FLOAT32_ROWS = [
    *ORIGINAL_ROWS,
    ("TF tape", "sequential"),
    ("Keras fit", "parallel"),
    *OPTIONAL_ROWS,
]
ALL_ROWS = FLOAT32_ROWS + CSHARP_ROWS
FRAMEWORK_ROWS = len(ALL_ROWS) - 2
FLOAT32_FRAMEWORK_ROWS = len(FLOAT32_ROWS) - 2


@pytest.fixture(scope="module")
def float64_rows():
    return compare.compare(shared_run_all(RunSettings(1000, dtype="float64")))


@pytest.fixture(scope="module")
def default_output():
    """What `python compare_implementations.py 1000` prints, in three formats."""
    import contextlib

    printed = {}
    for mode in ("table", "json", "csv"):  # three views of one training
        buffer = io.StringIO()
        flags = [] if mode == "table" else [f"--{mode}"]
        with contextlib.redirect_stdout(buffer), sharing_runs():
            # --verbose leaves stderr alone: pytest owns it here
            assert compare_implementations.main(["1000", "--verbose", *flags]) == 0
        printed[mode] = buffer.getvalue()
    return printed


@pytest.mark.slow
def test_rows_are_the_full_matrix_original_rows_first(float64_rows):
    assert [(row["label"], row["update"]) for row in float64_rows] == ALL_ROWS
    assert {row["implementation"] for row in float64_rows} == {
        "numpy",
        "tensorflow",
        "keras",
        *(
            name
            for name in ("pytorch", "jax", "keras-jax", "keras-torch")
            if FRAMEWORKS[name].installed
        ),
        *(["csharp"] if CSHARP_ROWS else []),
    }


@pytest.mark.slow
def test_float64_verdicts_and_distances(float64_rows):
    for row in float64_rows:
        assert row["max_abs_diff_other_order"] > 1e-7
        if row["implementation"] == "numpy":
            assert row["verdict"] == f"reference, {row['update']}"
            assert row["max_abs_diff_same_order"] == 0
        else:
            assert row["max_abs_diff_same_order"] < 1e-15  # README: "below 1e-15"
            assert row["verdict"] == f"matches NumPy {row['update']}"


@pytest.mark.slow
def test_float64_conclusions_say_rounding_level(float64_rows):
    sentences = compare.conclusions(float64_rows, "float64", 1000)
    assert "4.095e-07" in sentences[0] and "sequential is lower" in sentences[0]
    assert sentences[1].startswith(f"{FRAMEWORK_ROWS} of {FRAMEWORK_ROWS} framework runs match")
    assert "rounding level" in sentences[2]


@pytest.mark.slow
def test_default_table_shows_the_reference_figures(default_output):
    table = default_output["table"]
    assert "NumPy rows: the float64 reference; framework rows: float32." in table
    lines = table.splitlines()
    numpy_sequential = next(line for line in lines if line.startswith("NumPy       sequential"))
    numpy_parallel = next(line for line in lines if line.startswith("NumPy       parallel"))
    assert "0.0011153760  0.0011139404" in numpy_sequential
    assert "0.0011157856  0.0011143495" in numpy_parallel
    assert f"{FLOAT32_FRAMEWORK_ROWS} of {FLOAT32_FRAMEWORK_ROWS} framework runs match" in table
    assert "float32 rounding" in " ".join(table.split())
    assert all(len(line) <= 80 for line in lines)


@pytest.mark.slow
def test_json_and_csv_hold_the_tables_numbers(default_output):
    document = json.loads(default_output["json"])
    assert document["settings"] == {
        "iterations": 1000,
        "learning_rate": 0.5,
        "framework_dtype": "float32",
        "reference_dtype": "float64",
        "optimizer": {"name": "sgd", "formulas": "keras"},
    }
    rows = document["rows"]
    assert [(row["label"], row["update"]) for row in rows] == FLOAT32_ROWS
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
        assert any(
            line.startswith(f"{row['label']:10}  {row['update']:10}")
            and line.endswith(row["verdict"])
            for line in table_lines
        )
    assert document["conclusions"][1].startswith(
        f"{FLOAT32_FRAMEWORK_ROWS} of {FLOAT32_FRAMEWORK_ROWS}"
    )


@pytest.mark.slow
def test_without_torch_and_jax_the_table_names_what_to_install(tmp_path):
    compared = run_script(
        "compare_implementations.py", "10", env=without_package(tmp_path, "torch", "jax")
    )
    assert compared.returncode == 0, compared.stderr
    assert "Traceback" not in compared.stderr
    assert "PyTorch" not in compared.stdout and "JAX" not in compared.stdout
    # (and, where Mono is installed, the line on the C# rows, which float32 leaves out)
    notes = compared.stderr.strip().splitlines()
    assert [line for line in notes if "PyTorch" in line] == [
        f"note: the {title} rows need the package torch: pip install -r requirements-frameworks.txt"
        for title in ("PyTorch", "Keras on PyTorch")
    ]
    assert any(  # "the package jax", or "the packages jax and optax" where both are missing
        line.startswith("note: the JAX rows need the package") and "jax" in line for line in notes
    )


def test_distance_takes_in_the_final_loss_and_weights():
    # One update: both orders share the first forward pass, so their losses
    # agree exactly; they part only in the update, in w1..w4 and the final loss.
    sequential, parallel = train(1, "sequential"), train(1, "parallel")
    np.testing.assert_array_equal(sequential.losses, parallel.losses)
    assert compare.distance(sequential, parallel) == pytest.approx(7.408313e-05, abs=1e-11, rel=0)
    assert compare.distance(sequential, sequential) == 0
    # two updates: the largest gap is still in w1..w4, not in the losses (1.5e-7)
    sequential, parallel = train(2, "sequential"), train(2, "parallel")
    assert np.max(np.abs(sequential.losses - parallel.losses)) == pytest.approx(
        1.502118e-07, abs=1e-12, rel=0
    )
    assert compare.distance(sequential, parallel) == pytest.approx(1.495970e-04, abs=1e-10, rel=0)


@pytest.mark.slow
@pytest.mark.parametrize("iterations", [1, 2])
def test_float64_frameworks_match_their_own_order_from_one_iteration(iterations):
    rows = compare.compare(shared_run_all(RunSettings(iterations, dtype="float64")))
    assert [(row["label"], row["update"]) for row in rows] == ALL_ROWS
    for row in rows:
        if row["implementation"] == "numpy":
            assert row["verdict"] == f"reference, {row['update']}"
        else:
            assert row["verdict"] == f"matches NumPy {row['update']}"
            assert row["max_abs_diff_same_order"] < 1e-15
        # the orders part in w4 after the first update: 7.4e-5, then 1.5e-4
        expected = {1: 7.408313e-05, 2: 1.495970e-04}[iterations]
        assert row["max_abs_diff_other_order"] == pytest.approx(expected, abs=1e-9, rel=0)


@pytest.mark.slow
def test_one_iteration_conclusions_never_call_an_equal_loss_lower():
    rows = compare.compare(shared_run_all(RunSettings(1, dtype="float64")))
    sentences = compare.conclusions(rows, "float64", 1)
    assert sentences[0] == (
        "At iteration 1 both orders have the same loss, 0.2983711088: they share the "
        "first forward pass. After the update they differ by 1.502e-07: sequential "
        "0.2910279239 vs parallel 0.2910277737, parallel is lower."
    )
    assert sentences[1] == (
        f"{FRAMEWORK_ROWS} of {FRAMEWORK_ROWS} framework runs match the NumPy reference of their"
        " own order."
    )
    assert "rounding level" in sentences[2]
    assert not any("0.000e+00" in sentence or " 0 times" in sentence for sentence in sentences)


def _rows(same, sequential=(0.3, 0.29), parallel=(0.3, 0.28), orders=1e-4):
    """Synthetic comparison rows: NumPy's (loss at N, loss after N) and distances."""
    numpy_rows = [
        {
            "implementation": "numpy",
            "formulas": "keras",
            "update": update,
            "last_iteration_loss": at,
            "final_loss": after,
            "max_abs_diff_same_order": 0.0,
            "max_abs_diff_other_order": orders,
            "verdict": f"reference, {update}",
        }
        for update, (at, after) in (("sequential", sequential), ("parallel", parallel))
    ]
    framework = {
        "implementation": "tensorflow",
        "update": "parallel",
        "last_iteration_loss": parallel[0],
        "final_loss": parallel[1],
        "max_abs_diff_same_order": same,
        "max_abs_diff_other_order": orders,
        "verdict": "matches NumPy parallel",
    }
    return numpy_rows + [framework]


def test_conclusions_word_a_zero_gap_and_zero_rounding_sensibly():
    sentences = compare.conclusions(_rows(0.0), "float32", 3)
    assert sentences[0] == (
        "At iteration 3 both orders have the same loss, 0.3000000000 "
        "(NumPy, float64). After the last update they differ by "
        "1.000e-02: sequential 0.2900000000 vs parallel 0.2800000000, "
        "parallel is lower."
    )
    assert sentences[2] == (
        "In float32 the frameworks reproduce the same-order reference "
        "exactly over every iteration's loss and the final loss and "
        "weights, while the two orders are 1.0e-04 apart there."
    )
    same = compare.conclusions(_rows(2e-8, parallel=(0.3, 0.29)), "float32", 1)
    assert same[0].endswith("After the update their losses are the same too, 0.2900000000.")
    assert "lower" not in same[0]
    assert same[2].endswith(
        "while the two orders are 1.0e-04 apart there: 5000 times the rounding."
    )


@pytest.mark.slow
@pytest.mark.parametrize("iterations", [1, 2])
def test_a_short_float32_run_matches_each_order(iterations):
    rows = compare.compare(shared_run_all(RunSettings(iterations, dtype="float32")))
    frameworks = [row for row in rows if row["implementation"] != "numpy"]
    assert [row["verdict"] for row in frameworks] == [
        f"matches NumPy {row['update']}" for row in frameworks
    ]
    for row in frameworks:
        # float32 rounding (at most 4.0e-8 on our machine) against 7.4e-5 or 1.5e-4
        assert row["max_abs_diff_same_order"] < 1e-7
        assert row["max_abs_diff_other_order"] > 7e-5
    sentences = compare.conclusions(rows, "float32", iterations)
    assert sentences[1] == (
        f"{FLOAT32_FRAMEWORK_ROWS} of {FLOAT32_FRAMEWORK_ROWS} framework runs match the NumPy"
        " reference of their own order."
    )
    assert "float32 rounding" in sentences[2] and " 0 times" not in sentences[2]
    ratio = float(sentences[2].rsplit(": ", 1)[1].split()[0])
    assert ratio > 700
