"""The data options on the command line: --data, --batch-size, --init, --seed, --replicas.

What each script refuses, in one line with status 2, read by the script's own
command-line reader in this process (tests/test_command_line.py runs a refusal of
each script as a process: one line, before any framework is imported), and what a
run on more than one sample prints and writes.
"""

import json
from dataclasses import replace

import pytest
from conftest import SIX_SAMPLES, refused_in_process, run_script

from numpy_ref import MAZUR, train
from numpy_ref.data import XOR_DATA


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "nowhere.csv"], "argument --data: nowhere.csv: No such file or directory"),
        (["--seed", "3"], "argument --seed: only used by --init random"),
        (["--batch-size", "2"], "argument --batch-size: 2 is more than the 1 sample of mazur"),
        (["--data", "xor", "--batch-size", "5"], "5 is more than the 4 samples of xor"),
        (["--data", "xor", "--batch-size", "0"], "must be at least 1, not 0"),
        (["--init", "zeros"], "argument --init: invalid choice"),
        (["--explain", "--data", "xor"], "argument --data: not allowed with argument --explain"),
        (["--explain", "--train-biases"], "not allowed with argument --explain"),
    ],
)
def test_bad_data_options_are_one_line_before_tensorflow(args, message):
    for script in (["-m", "numpy_ref"], ["ann_tensorflow.py"], ["ann_keras.py"]):
        assert message in refused_in_process(*script, *args)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--replicas", "2"], "2 replicas need at least 2 samples, and mazur has 1"),
        (
            ["--data", "xor", "--batch-size", "3", "--replicas", "2"],
            "a batch of 3 samples cannot be split evenly over 2 replicas",
        ),
        (
            ["--data", "xor", "--replicas", "3"],
            "the 4 samples of xor cannot be split evenly over 3 replicas with any --batch-size",
        ),
        (["--data", "xor", "--replicas", "0"], "must be at least 1, not 0"),
        (["--data", "xor", "--explain", "--replicas", "2"], "not allowed with argument --explain"),
    ],
)
def test_replicas_that_cannot_share_the_batch_are_refused(args, message):
    for script in ("ann_tensorflow.py", "ann_keras.py"):
        assert message in refused_in_process(script, *args)


def test_a_sample_count_no_batch_can_split_is_refused_for_replicas(tmp_path):
    """Five samples: an even batch leaves an odd last batch, so no --batch-size helps."""
    path = tmp_path / "five.csv"
    path.write_text(SIX_SAMPLES.replace("0.2,0.3,0.1,0.9\n", ""))
    for batch_size in ("2", "4"):
        message = refused_in_process(
            "ann_tensorflow.py", "--data", str(path), "--batch-size", batch_size, "--replicas", "2"
        )
        assert "the 5 samples of" in message
        assert "cannot be split evenly over 2 replicas with any --batch-size" in message
        assert "choose a number of replicas that divides 5" in message


def test_numpy_has_no_replicas():
    assert "unrecognized arguments: --replicas" in refused_in_process(
        "-m", "numpy_ref", "--replicas", "2"
    )


def test_a_csv_problem_is_one_line_naming_the_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("i1,i2,t1,t2\n0,0,0,1\n1,0,maybe,0\n")
    assert refused_in_process("-m", "numpy_ref", "--data", str(path)) == (
        f"python -m numpy_ref: error: argument --data: {path}, line 3: t1 is not a number: 'maybe'"
    )


def test_xor_json_has_every_prediction_and_the_data_settings():
    done = run_script(
        "-m",
        "numpy_ref",
        "300",
        "--data",
        "xor",
        "--train-biases",
        "--init",
        "random",
        "--seed",
        "3",
        "--batch-size",
        "2",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert {
        key: document[key]
        for key in (
            "data",
            "samples",
            "batch_size",
            "train_biases",
            "init",
            "seed",
            "replicas",
            "prediction",
            "target",
        )
    } == {
        "data": "xor",
        "samples": 4,
        "batch_size": 2,
        "train_biases": True,
        "init": "random",
        "seed": 3,
        "replicas": 1,
        "prediction": None,
        "target": None,
    }
    assert len(document["predictions"]) == 4
    assert document["error_reduction_percent"] is None  # batch 1's loss against all four
    assert set(document["weights"]["biases"]) == {"hidden", "output"}
    reference = train(
        300,
        "parallel",
        replace(MAZUR, data=XOR_DATA, train_biases=True, batch_size=2).with_random_weights(3),
    )
    assert document["final_loss"] == reference.final_loss


def test_xor_report_lists_every_sample():
    done = run_script("-m", "numpy_ref", "50", "--data", "xor", "--train-biases")
    assert done.returncode == 0, done.stderr
    assert "  data            xor: 4 samples, batches of 4 (full batch)" in done.stdout
    assert "Predictions after training (inputs -> o1, o2)" in done.stdout
    assert "  [1, 1] -> [" in done.stdout
    assert "b_h1 = " in done.stdout


@pytest.mark.slow
def test_until_loss_with_small_batches_says_it_stopped_on_a_batch():
    """Online XOR can stop on one fitted sample while the loss over all four is high."""
    done = run_script(
        "-m",
        "numpy_ref",
        "3000",
        "--data",
        "xor",
        "--train-biases",
        "--init",
        "random",
        "--seed",
        "1",
        "--lr",
        "4",
        "--batch-size",
        "1",
        "--until-loss",
        "0.001",
    )
    assert done.returncode == 0, done.stderr
    assert "  stopped                  at iteration 1685, its batch's loss below 0.001\n" in (
        done.stdout
    )
    assert "  loss at iteration 1685   0.0009985950\n" in done.stdout
    assert "  loss after 1684 updates  0.1679272444   (mean E over every sample)" in done.stdout
