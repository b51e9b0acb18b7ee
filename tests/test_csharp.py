"""The C# cross-check against the NumPy reference: another language, another runtime.

In float64, in both update orders, on Mazur's sample, on XOR with trained
biases in batches of 1, 2 and 4, and on a CSV data set from a random start,
the C# program's losses agree with numpy_ref's to 1e-12 and every weight to
1e-10 (about 1e-16 in practice: the two exp implementations); the doubles
it is sent come back bit for bit.
"""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest
from conftest import (
    ROOT,
    SIX_SAMPLES,
    as_computed_here,
    one_line,
    refused,
    refused_in_process,
    run_script,
    sharing_runs,
    shown_block,
)

import ann_csharp
from frameworks.csharp import program_path
from implementations import FRAMEWORKS, other_order
from implementations.settings import RunSettings
from numpy_ref import MAZUR, train
from numpy_ref.data import XOR_DATA, data_set

#: Every test but those of what a user without Mono sees needs it.
needs_mono = pytest.mark.skipif(
    not FRAMEWORKS["csharp"].installed,
    reason="Mono is not installed: apt-get install mono-mcs mono-runtime",
)

XOR = replace(MAZUR, data=XOR_DATA, train_biases=True).with_learning_rate(2.0)


def six_samples(tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "six.csv"
    path.write_text(SIX_SAMPLES)
    return replace(MAZUR, data=data_set(str(path)), batch_size=4).with_random_weights(7)


#: (name, example, iterations): every kind of run the cross-check is held to.
EXAMPLES = {
    "mazur": lambda _: MAZUR,
    "xor, batches of 1": lambda _: replace(XOR, batch_size=1),
    "xor, batches of 2": lambda _: replace(XOR, batch_size=2),
    "xor, batches of 4": lambda _: replace(XOR, batch_size=4),
    "csv, six samples in batches of 4, random start": six_samples,
}


def csharp_run(iterations, update, example):
    return FRAMEWORKS["csharp"].train(RunSettings(iterations, update, example, "float64"))


def largest_difference(run, reference):
    """max |Δ| over every iteration's loss, outputs and weights, and the final state."""
    pairs = [
        (getattr(run, name), getattr(reference, name))
        for name in (
            "losses",
            "outputs",
            "hidden",
            "hidden_weights",
            "output_weights",
            "final_hidden_weights",
            "final_output_weights",
            "predictions",
        )
    ]
    pairs += [
        *zip(run.final_biases, reference.final_biases),
        (run.final_loss, reference.final_loss),
    ]
    return max(float(np.max(np.abs(np.subtract(ours, theirs)))) for ours, theirs in pairs)


@pytest.mark.slow
@needs_mono
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_csharp_equals_numpy_ref(name, update, tmp_path_factory):
    example = EXAMPLES[name](tmp_path_factory)
    run, reference = csharp_run(1000, update, example), train(1000, update, example)
    assert run.implementation == "csharp" and run.dtype == "float64"
    np.testing.assert_allclose(run.losses, reference.losses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(run.outputs, reference.outputs, rtol=0, atol=1e-12)
    for ours, theirs in (
        (run.final_hidden_weights, reference.final_hidden_weights),
        (run.final_output_weights, reference.final_output_weights),
        *zip(run.final_biases, reference.final_biases),
    ):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    # in practice a few units in the last place of weights up to about 10: the two exp
    # implementations, and sums rounded in another order
    assert largest_difference(run, reference) < 1e-14
    # and far from the other order: the C# program does make the order it is asked for
    other = train(1000, other_order(update), example)
    assert np.max(np.abs(run.losses - other.losses)) > 1e-7


@needs_mono
def test_the_doubles_sent_arrive_bit_for_bit():
    """Mono's double.Parse reads 0.784409885366463 one unit in the last place off;
    float.hex() text does not round.  Iteration 1 records the weights it used: the
    starting weights, exactly as sent."""
    example = MAZUR.with_random_weights(11).with_learning_rate(0.784409885366463)
    run = csharp_run(1, "parallel", example)
    np.testing.assert_array_equal(run.hidden_weights[0], example.hidden_weights)
    np.testing.assert_array_equal(run.output_weights[0], example.output_weights)
    reference = train(1, "parallel", example)
    assert largest_difference(run, reference) < 1e-16


# The command line: ann_csharp.py


def without_mono(tmp_path):
    """Environment variables under which neither mcs nor mono is on PATH."""
    empty = tmp_path / "bin"
    empty.mkdir()
    return {"PATH": str(empty)}


def test_without_mono_the_script_names_the_packages(tmp_path):
    done = run_script("ann_csharp.py", "10", env=without_mono(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert one_line(done.stderr) == (
        "ann_csharp.py: error: Mono is not installed (mcs and mono):"
        " apt-get install mono-mcs mono-runtime"
    )


def test_without_mono_help_still_answers(tmp_path):
    done = run_script("ann_csharp.py", "--help", env=without_mono(tmp_path))
    assert done.returncode == 0 and "apt-get install mono-mcs mono-runtime" in done.stdout


@pytest.mark.slow
def test_ci_full_pass_fails_without_mono(tmp_path):
    """CI=true without CI_LIGHT: a missing Mono would skip the C# tests, so the run
    fails at once instead, naming what to install."""
    done = run_script(
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        "--collect-only",
        "-q",
        "tests/test_docs.py",
        env={"CI": "true", "CI_LIGHT": "", **without_mono(tmp_path)},
    )
    assert done.returncode != 0
    assert "the C# rows need the programs mcs and mono: apt-get install" in done.stderr


def test_without_mono_the_framework_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", without_mono(tmp_path)["PATH"])
    assert not FRAMEWORKS["csharp"].installed
    assert FRAMEWORKS["csharp"].not_installed() == (
        "the C# rows need the programs mcs and mono: apt-get install mono-mcs mono-runtime"
    )


@needs_mono
@pytest.mark.parametrize(
    "arguments, refused_option",
    [
        (["--dtype", "float32"], "--dtype"),
        (["--optimizer", "adam"], "--optimizer"),
        (["--lr-schedule", "cosine"], "--lr-schedule"),
        (["--until-loss", "0.1"], "--until-loss"),
        (["--l1", "0.001"], "--l1"),
        (["--l2", "0.001"], "--l2"),
    ],
)
def test_what_the_csharp_side_does_not_compute_is_refused(arguments, refused_option):
    assert refused_in_process("ann_csharp.py", "10", *arguments) == (
        f"ann_csharp.py: error: argument {refused_option}: the C# cross-check computes"
        " plain SGD in float64 only"
    )


@pytest.mark.slow
@needs_mono
def test_explain_and_too_many_iterations_are_refused():
    assert "python -m numpy_ref --explain" in refused("ann_csharp.py", "--explain")
    assert refused("ann_csharp.py", "1000001") == (
        "ann_csharp.py: error: argument ITERATIONS: the C# cross-check runs at most 1000000"
        " (every iteration comes back as JSON text)"
    )


@pytest.mark.slow
@needs_mono
def test_the_first_run_compiles_and_says_so_later_runs_reuse_it(tmp_path):
    cache = {"XDG_CACHE_HOME": str(tmp_path)}
    first = run_script("ann_csharp.py", "10", env=cache)
    assert first.returncode == 0, first.stderr
    program = tmp_path / "mazur-ann" / "csharp" / os.path.basename(program_path())
    assert (
        f"(compiled crosscheck/csharp/Network.cs with mcs into {program}; later runs reuse it)"
        in first.stdout
    )
    assert os.listdir(program.parent) == [program.name]  # nothing half-written beside it
    again = run_script("ann_csharp.py", "10", "--json", env=cache)
    assert json.loads(again.stdout)["compiled_to"] is None


@needs_mono
@pytest.mark.parametrize("update", ["parallel", "sequential"])
def test_the_json_is_numpy_refs_to_the_last_digits(update, capsys):
    assert (
        ann_csharp.main(
            [
                "100",
                "--update",
                update,
                "--data",
                "xor",
                "--train-biases",
                "--batch-size",
                "2",
                "--json",
            ]
        )
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    example = replace(XOR, batch_size=2).with_learning_rate(0.5)
    expected = train(100, update, example).to_json()
    assert set(document) == set(expected) | {"compiled_to"}
    assert document["implementation"] == "csharp"
    for key in ("final_loss", "last_iteration_loss", "initial_loss"):
        assert document[key] == pytest.approx(expected[key], abs=1e-15, rel=0)
    np.testing.assert_allclose(
        document["weights"]["hidden"], expected["weights"]["hidden"], rtol=0, atol=1e-15
    )
    same = {
        "implementation",
        "compiled_to",
        "final_loss",
        "last_iteration_loss",
        "initial_loss",
        "weights",
        "predictions",
        "error_reduction_percent",
        "final_penalty",
    }
    assert {k: v for k, v in document.items() if k not in same} == {
        k: v for k, v in expected.items() if k not in same
    }


@needs_mono
def test_a_cache_that_cannot_be_written_is_one_line(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    done = run_script("ann_csharp.py", "10", env={"XDG_CACHE_HOME": str(blocked)})
    assert done.returncode == 1 and done.stdout == ""
    assert one_line(done.stderr).startswith(f"error: cannot write {blocked}/mazur-ann")


@pytest.mark.slow
@needs_mono
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_mono_trains_ends_quietly(signum, status, tmp_path):
    """Ctrl-C at a terminal reaches the whole process group, Mono included; SIGTERM
    reaches Python alone, which ends Mono itself."""
    child = subprocess.Popen(
        [sys.executable, "ann_csharp.py", "1000000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)},
    )
    time.sleep(2.0)  # compiled, and Mono is training
    if signum == signal.SIGINT:
        os.killpg(child.pid, signum)
    else:
        child.send_signal(signum)
    stdout, stderr = child.communicate(timeout=30)
    assert child.returncode == status and stdout == ""
    assert one_line(stderr).split(":")[0] in ("interrupted", "terminated")


# The comparison: C# rows where Mono is installed and the run is plain SGD in float64


def compared(capsys, *arguments):
    """(rows, note lines) of compare_implementations.py --json with ``arguments``."""
    import compare_implementations

    assert compare_implementations.main(["10", "--json", "--verbose", *arguments]) == 0
    printed = capsys.readouterr()
    notes = [line for line in printed.err.splitlines() if line.startswith("note: ")]
    return json.loads(printed.out)["rows"], notes


#: The marker of the page's block of the float64 table's distances.
AGREEMENT = "excerpt of: python compare_implementations.py 1000 --dtype float64"

CSHARP_NOTE = (
    "note: the C# rows are left out: they compute plain SGD in float64 only (--dtype float64)"
)


@pytest.mark.slow
@needs_mono
def test_compare_shows_csharp_rows_in_float64_and_says_why_not_otherwise(capsys):
    rows, notes = compared(capsys, "--dtype", "float64", "--frameworks", "numpy,csharp")
    csharp = [row for row in rows if row["implementation"] == "csharp"]
    assert [(row["label"], row["update"]) for row in csharp] == [
        ("C#", "parallel"),
        ("C#", "sequential"),
    ]
    assert all(row["verdict"] == f"matches NumPy {row['update']}" for row in csharp)
    assert CSHARP_NOTE not in notes
    for arguments in ([], ["--dtype", "float64", "--optimizer", "adam"]):
        rows, notes = compared(capsys, *arguments)
        assert "csharp" not in {row["implementation"] for row in rows}
        assert CSHARP_NOTE in notes
        asked = refused_in_process(
            "compare_implementations.py", *arguments, "--frameworks", "numpy,csharp"
        )
        assert asked.endswith(
            "argument --frameworks: the C# rows cannot be compared: they compute plain SGD"
            " in float64 only (--dtype float64)"
        )
    every = ("--dtype", "float64", "--optimizer", "all", "--frameworks", "numpy,csharp")
    assert "the C# rows cannot be compared" in refused_in_process(
        "compare_implementations.py", *every
    )


@pytest.mark.slow
def test_compare_without_mono_says_how_to_get_the_csharp_rows(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", without_mono(tmp_path)["PATH"])
    rows, notes = compared(capsys, "--dtype", "float64")
    assert "csharp" not in {row["implementation"] for row in rows}
    assert (
        "note: the C# rows need the programs mcs and mono: apt-get install mono-mcs mono-runtime"
        in notes
    )


@pytest.mark.slow
@needs_mono
def test_the_pages_agreement_block_is_what_compare_prints(capsys):
    """docs/cross-language.md shows the distance rows of the float64 table: the
    C# rows and the NumPy rows they are measured against, as the script prints them."""
    import compare_implementations

    with sharing_runs():
        assert compare_implementations.main(["1000", "--dtype", "float64", "--verbose"]) == 0
    printed = [line.split() for line in capsys.readouterr().out.splitlines()]
    shown = [line.split() for line in shown_block(AGREEMENT).splitlines()]
    assert len(shown) >= 4
    for row in shown[1:]:
        figure = f"{row[0]}, {row[1]}, from NumPy's own order"
        assert any(
            line[:2] == row[:2]
            and line[3:] == row[3:]
            and as_computed_here(row[2], line[2], figure)
            for line in printed
        ), row
