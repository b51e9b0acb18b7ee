"""More than one sample: data sets, batches, trainable biases, random starts, replicas.

TensorFlow and Keras against numpy_ref, in both orders, on every kind of
data the command line can ask for; and what the command line refuses.
"""

import functools
import json
import math
import os
import re
from dataclasses import replace

import numpy as np
import pytest
from conftest import ROOT, run_script

from numpy_ref import MAZUR, train
from numpy_ref.data import (
    MAZUR_DATA,
    XOR_DATA,
    DataError,
    data_set,
    random_weights,
    read_csv,
)
from numpy_ref.optimizers import Optimizer, Training

SIX_SAMPLES = ("i1,i2,t1,t2\n0,0,0,1\n0,1,1,0\n1,0,1,0\n1,1,0,1\n"
               "0.5,0.5,0.5,0.5\n0.2,0.3,0.1,0.9\n")


@pytest.fixture(scope="module")
def six_samples(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "six.csv"
    path.write_text(SIX_SAMPLES)
    return read_csv(str(path))


#: name -> (Example, Training): every kind of data and batch the trainers take.
def settings(six):
    xor = replace(MAZUR, data=XOR_DATA)
    return {
        "xor, trained biases, random start": (
            replace(xor, train_biases=True).with_random_weights(3), Training()),
        "xor, online, trained biases": (
            replace(xor, train_biases=True, batch_size=1, learning_rate=2.0), Training()),
        "xor, batches of 3, random start": (
            replace(xor, batch_size=3).with_random_weights(1), Training()),
        "csv, batches of 4 and 2, trained biases": (
            replace(MAZUR, data=six, batch_size=4, train_biases=True), Training()),
        "xor, batches of 3, adam, l2": (
            replace(xor, batch_size=3, train_biases=True, learning_rate=0.05)
            .with_random_weights(2), Training(optimizer=Optimizer.named("adam"), l2=0.01)),
    }


@functools.lru_cache(maxsize=None)
def _run(framework, update, dtype, name, six):
    from implementations import FRAMEWORKS

    example, training = settings(six)[name]
    return FRAMEWORKS[framework].train(200, update, example, dtype, training=training)


def _distance(a, b):
    pairs = [(a.losses, b.losses), (a.final_hidden_weights, b.final_hidden_weights),
             (a.final_output_weights, b.final_output_weights),
             *zip(a.final_biases, b.final_biases), (a.predictions, b.predictions),
             (a.final_loss, b.final_loss)]
    return max(float(np.max(np.abs(np.asarray(x, float) - np.asarray(y, float))))
               for x, y in pairs)


NAMES = list(settings(MAZUR_DATA))


@pytest.mark.parametrize("framework", ["tensorflow", "keras"])
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("name", NAMES)
def test_float64_frameworks_match_numpy_on_every_iteration(framework, update, name,
                                                            six_samples):
    ours = _run(framework, update, "float64", name, six_samples)
    reference = _run("numpy", update, "float64", name, six_samples)
    np.testing.assert_allclose(ours.losses, reference.losses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.outputs, reference.outputs, rtol=0, atol=1e-12)
    for mine, theirs in zip(ours.final_biases, reference.final_biases):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    assert _distance(ours, reference) <= 1e-12
    # and the other order is far away: the comparison can tell them apart
    other = "parallel" if update == "sequential" else "sequential"
    assert _distance(ours, _run("numpy", other, "float64", name, six_samples)) > 1e-9


@pytest.mark.parametrize("framework", ["tensorflow", "keras"])
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("name", NAMES[:3])
def test_float32_runs_are_ten_times_nearer_their_own_order(framework, update, name,
                                                           six_samples):
    ours = _run(framework, update, "float32", name, six_samples)
    other = "parallel" if update == "sequential" else "sequential"
    own = _distance(ours, _run("numpy", update, "float64", name, six_samples))
    cross = _distance(ours, _run("numpy", other, "float64", name, six_samples))
    assert own * 10 <= cross, (own, cross)


def test_trained_biases_move_and_constant_ones_do_not(six_samples):
    trained = _run("numpy", "sequential", "float64", NAMES[0], six_samples)
    constant = _run("numpy", "sequential", "float64", NAMES[2], six_samples)
    assert not np.allclose(trained.final_biases[0], 0.35)
    assert constant.final_biases[0].tolist() == [0.35, 0.35]
    assert constant.final_biases[1].tolist() == [0.6, 0.6]


def test_the_tutorials_run_is_unchanged_by_the_samples_axis():
    """Mazur's one sample: the figures of docs/reference-figures.md, exactly as before."""
    result = train(1000, "sequential")
    assert result.last_iteration_loss == pytest.approx(0.0011153760, abs=1e-10, rel=0)
    assert result.to_json()["prediction"] == result.predictions[0].tolist()
    assert result.to_json()["weights"]["biases"] == {"hidden": [0.35, 0.35],
                                                     "output": [0.6, 0.6]}


def test_bias_gradients_are_the_mean_deltas_by_hand():
    """dE/db = mean over the batch of each neuron's delta: one update checked by hand."""
    example = replace(MAZUR, data=XOR_DATA, train_biases=True, learning_rate=1.0)
    result = train(1, "parallel", example)
    x, t, w_h, w_o = example.arrays()
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = sig(x @ w_h.T + 0.35)
    o = sig(h @ w_o.T + 0.6)
    delta_o = (o - t) * o * (1 - o) / 4
    delta_h = (delta_o @ w_o) * h * (1 - h)
    np.testing.assert_allclose(result.final_biases[1], 0.6 - delta_o.sum(axis=0),
                               rtol=0, atol=1e-15)
    np.testing.assert_allclose(result.final_biases[0], 0.35 - delta_h.sum(axis=0),
                               rtol=0, atol=1e-15)
    assert result.initial_loss == pytest.approx(np.mean(0.5 * np.sum((t - o) ** 2, axis=1)),
                                                abs=1e-16, rel=0)


# Data ---------------------------------------------------------------------------


def test_batches_are_consecutive_in_passes_with_a_smaller_last_one():
    assert [XOR_DATA.batch_rows(k, 3) for k in range(5)] == [(0, 3), (3, 4), (0, 3),
                                                              (3, 4), (0, 3)]
    assert [XOR_DATA.batch_rows(k, 1) for k in range(5)] == [(0, 1), (1, 2), (2, 3),
                                                              (3, 4), (0, 1)]
    assert XOR_DATA.batch_sizes(3) == [3, 1]
    assert XOR_DATA.batch_sizes(4) == [4]


def test_xor_is_the_four_corners_with_complementary_targets():
    assert XOR_DATA.inputs == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert [t1 for t1, _ in XOR_DATA.targets] == [0, 1, 1, 0]
    assert all(t1 + t2 == 1 for t1, t2 in XOR_DATA.targets)


def test_random_weights_are_the_seeds_uniform_draws_in_order():
    hidden, output = random_weights(7)
    drawn = np.random.default_rng(7).uniform(-1, 1, 8)
    assert [*np.ravel(hidden), *np.ravel(output)] == drawn.tolist()


def test_a_csv_reads_back_its_samples(six_samples):
    assert six_samples.samples == 6
    assert six_samples.inputs[5] == (0.2, 0.3)
    assert six_samples.targets[4] == (0.5, 0.5)
    assert data_set("xor") is XOR_DATA


@pytest.mark.parametrize("text, problem", [
    ("i1,i2,t1\n0,0,0\n", "line 1: the header must be i1,i2,t1,t2"),
    ("", "line 1: the header must be i1,i2,t1,t2"),
    ("i1,i2,t1,t2\n", "no samples after the header"),
    ("i1,i2,t1,t2\n0,0,x,1\n", "line 2: t1 is not a number: 'x'"),
    ("i1,i2,t1,t2\n0,0,0,1\n0,nan,1,0\n", "line 3: i2 must be a finite number, not nan"),
    ("i1,i2,t1,t2\n0,0,0,1\n0,1,inf,0\n", "line 3: t1 must be a finite number, not inf"),
    ("i1,i2,t1,t2\n0,0,0\n", "line 2: 3 values, not 4"),
])
def test_a_bad_csv_names_the_file_the_line_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError) as caught:
        read_csv(str(path))
    where = f"{path}, " if problem.startswith("line") else f"{path}: "
    assert str(caught.value) == where + problem


def test_a_missing_csv_is_named():
    with pytest.raises(DataError, match=r"^nowhere\.csv: No such file or directory"):
        data_set("nowhere.csv")


# The command line ------------------------------------------------------------------


def _refused(*args):
    done = run_script(*args)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.strip()


@pytest.mark.parametrize("args, message", [
    (["--data", "nowhere.csv"], "argument --data: nowhere.csv: No such file or directory"),
    (["--seed", "3"], "argument --seed: only used by --init random"),
    (["--batch-size", "2"], "argument --batch-size: 2 is more than the 1 sample of mazur"),
    (["--data", "xor", "--batch-size", "5"], "5 is more than the 4 samples of xor"),
    (["--data", "xor", "--batch-size", "0"], "must be at least 1, not 0"),
    (["--init", "zeros"], "argument --init: invalid choice"),
    (["--explain", "--data", "xor"], "argument --data: not allowed with argument --explain"),
    (["--explain", "--train-biases"], "not allowed with argument --explain"),
])
def test_bad_data_options_are_one_line_before_tensorflow(args, message):
    for script in (["-m", "numpy_ref"], ["ann_tensorflow.py"], ["ann_keras.py"]):
        assert message in _refused(*script, *args)


@pytest.mark.parametrize("args, message", [
    (["--replicas", "2"], "2 replicas need at least 2 samples, and mazur has 1"),
    (["--data", "xor", "--batch-size", "3", "--replicas", "2"],
     "a batch of 3 samples cannot be split evenly over 2 replicas"),
    (["--data", "xor", "--replicas", "3"],
     "the 4 samples of xor cannot be split evenly over 3 replicas with any --batch-size"),
    (["--data", "xor", "--replicas", "0"], "must be at least 1, not 0"),
    (["--data", "xor", "--explain", "--replicas", "2"], "not allowed with argument --explain"),
])
def test_replicas_that_cannot_share_the_batch_are_refused(args, message):
    for script in ("ann_tensorflow.py", "ann_keras.py"):
        assert message in _refused(script, *args)


def test_a_sample_count_no_batch_can_split_is_refused_for_replicas(tmp_path):
    """Five samples: an even batch leaves an odd last batch, so no --batch-size helps."""
    path = tmp_path / "five.csv"
    path.write_text(SIX_SAMPLES.replace("0.2,0.3,0.1,0.9\n", ""))
    for batch_size in ("2", "4"):
        message = _refused("ann_tensorflow.py", "--data", str(path), "--batch-size",
                           batch_size, "--replicas", "2")
        assert "the 5 samples of" in message
        assert "cannot be split evenly over 2 replicas with any --batch-size" in message
        assert "choose a number of replicas that divides 5" in message


def test_numpy_has_no_replicas():
    assert "unrecognized arguments: --replicas" in _refused("-m", "numpy_ref", "--replicas",
                                                             "2")


def test_a_csv_problem_is_one_line_naming_the_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("i1,i2,t1,t2\n0,0,0,1\n1,0,maybe,0\n")
    assert _refused("-m", "numpy_ref", "--data", str(path)) == (
        f"python -m numpy_ref: error: argument --data: {path}, line 3: t1 is not a number:"
        " 'maybe'")


def test_xor_json_has_every_prediction_and_the_data_settings():
    done = run_script("-m", "numpy_ref", "300", "--data", "xor", "--train-biases",
                      "--init", "random", "--seed", "3", "--batch-size", "2", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert {key: document[key] for key in ("data", "samples", "batch_size", "train_biases",
                                          "init", "seed", "replicas", "prediction",
                                          "target")} == {
        "data": "xor", "samples": 4, "batch_size": 2, "train_biases": True,
        "init": "random", "seed": 3, "replicas": 1, "prediction": None, "target": None}
    assert len(document["predictions"]) == 4
    assert document["error_reduction_percent"] is None  # batch 1's loss against all four
    assert set(document["weights"]["biases"]) == {"hidden", "output"}
    reference = train(300, "parallel", replace(
        MAZUR, data=XOR_DATA, train_biases=True, batch_size=2).with_random_weights(3))
    assert document["final_loss"] == reference.final_loss


def test_xor_report_lists_every_sample():
    done = run_script("-m", "numpy_ref", "50", "--data", "xor", "--train-biases")
    assert done.returncode == 0, done.stderr
    assert "  data            xor: 4 samples, batches of 4 (full batch)" in done.stdout
    assert "Predictions after training (inputs -> o1, o2)" in done.stdout
    assert "  [1, 1] -> [" in done.stdout
    assert "b_h1 = " in done.stdout


def test_until_loss_with_small_batches_says_it_stopped_on_a_batch():
    """Online XOR can stop on one fitted sample while the loss over all four is high."""
    done = run_script("-m", "numpy_ref", "3000", "--data", "xor", "--train-biases", "--init",
                      "random", "--seed", "1", "--lr", "4", "--batch-size", "1",
                      "--until-loss", "0.001")
    assert done.returncode == 0, done.stderr
    assert "  stopped                  at iteration 1685, its batch's loss below 0.001\n" in (
        done.stdout)
    assert "  loss at iteration 1685   0.0009985950\n" in done.stdout
    assert "  loss after 1684 updates  0.1679272444   (mean E over every sample)" in done.stdout


# Replicas -------------------------------------------------------------------------

REPLICAS_CHECK = """
import json, sys
from dataclasses import replace
from frameworks.distribute import devices
devices(4)  # before TensorFlow starts: four logical CPU devices
import numpy as np
from numpy_ref import MAZUR
from numpy_ref.data import XOR_DATA, read_csv
from numpy_ref.optimizers import Optimizer, Training
from frameworks import keras_model, tape

def distance(a, b):
    pairs = [(a.losses, b.losses), (a.final_hidden_weights, b.final_hidden_weights),
             (a.final_output_weights, b.final_output_weights),
             *zip(a.final_biases, b.final_biases), (a.predictions, b.predictions)]
    return max(float(np.max(np.abs(x - y))) for x, y in pairs)

xor = replace(MAZUR, data=XOR_DATA, train_biases=True).with_random_weights(3)
six = replace(MAZUR, data=read_csv(sys.argv[1]), batch_size=4, train_biases=True)
adam = Training(optimizer=Optimizer.named("adam"), l2=0.01)
found = {}
for framework in (tape, keras_model):
    for update in ("parallel", "sequential"):
        for name, example, training, replicas in (("xor", xor, Training(), (2, 4)),
                                                  ("xor adam l2", xor, adam, (2,)),
                                                  ("six", six, Training(), (2,))):
            one = framework.train(60, update, example, "float64", training=training)
            for r in replicas:
                many = framework.train(60, update, example, "float64", training=training,
                                       replicas=r)
                key = f"{framework.__name__} {update} {name} R={r}"
                found[key] = [distance(many, one), many.replicas]
print(json.dumps(found))
"""


def test_replicas_equal_one_device_in_float64(tmp_path):
    path = tmp_path / "six.csv"
    path.write_text(SIX_SAMPLES)
    done = run_script("-c", REPLICAS_CHECK, str(path), timeout=600,
                      env={"PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(found) == 2 * 2 * 4
    for key, (distance, replicas) in found.items():
        assert distance <= 1e-12, key
        assert replicas == int(key.rsplit("=", 1)[1]), key


def test_replicas_on_the_command_line_report_themselves():
    done = run_script("ann_tensorflow.py", "50", "--data", "xor", "--replicas", "2",
                      "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["replicas"] == 2
    assert math.isfinite(json.loads(done.stdout)["final_loss"])


def test_readme_replicas_runs_differ_only_in_the_replicas_line():
    """The README's two runs: the same printed numbers, one more line with --replicas 2."""
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    start = readme.index("<!-- output of: the two runs below, then diff -->")
    block = readme[start:].split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    commands = [line[2:].split(" > ")[0].split() for line in block if line.startswith("$ python")]
    outputs = []
    for command in commands:
        assert command[:2] == ["python", "ann_tensorflow.py"]
        done = run_script(*command[1:], timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.splitlines())
    one, two = outputs
    added = [line for line in two if line not in one]
    assert two[:6] == one[:6] and two[7:] == one[6:]
    assert block[block.index("$ diff one.txt two.txt") + 1:] == ["6a7", f"> {added[0]}"]
    assert "  loss after 2000 updates  0.0020959462   (mean E over every sample)" in one
    predictions = [[float(n) for n in re.findall(r"[\d.]+", line.split("->")[1])]
                   for line in one if line.startswith("  [")]  # o1, o2, t1, t2
    assert len(predictions) == 4
    assert all((o1 > 0.5, o2 > 0.5) == (t1 == 1, t2 == 1) for o1, o2, t1, t2 in predictions)
    assert "Both print `loss after 2000 updates 0.0020959462`, with all four samples'" \
        " outputs on the right side of 0.5." in " ".join(readme.split())


# What the hostile tester found -----------------------------------------------------


def test_a_csv_with_a_byte_order_mark_reads(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfi1,i2,t1,t2\r\n0,1,1,0\r\n")
    assert read_csv(str(path)).inputs == ((0.0, 1.0),)


@pytest.mark.parametrize("text, problem", [
    ('i1,i2,t1,t2\n"0\n",0,0,1\n1,1_0,0,1\n', "line 4: i2 is not a number: '1_0'"),
    ("i1,i2,t1,t2\n0,0,0," + "9" * 500 + "x\n",
     "line 2: t2 is not a number: '99999999999999999999...'"),
])
def test_csv_lines_are_the_files_own_and_long_cells_are_cut(tmp_path, text, problem):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError) as caught:
        read_csv(str(path))
    assert str(caught.value) == f"{path}, {problem}"


def test_a_file_without_line_ends_is_refused_without_reading_it_all():
    with pytest.raises(DataError, match="line 1: the header must be"):
        read_csv("/dev/zero")


def test_the_report_lists_twenty_samples_and_counts_the_rest(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("i1,i2,t1,t2\n" + "0,1,1,0\n" * 25)
    done = run_script("-m", "numpy_ref", "5", "--data", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("] -> [") == 20
    assert "  ... and 5 more samples (all of them in --json)" in done.stdout


def test_keras_replicas_with_a_log_and_without_until_loss(tmp_path):
    done = run_script("ann_keras.py", "30", "--data", "xor", "--replicas", "2", "--logdir",
                      str(tmp_path), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "TensorBoard scalars in" in done.stdout
    assert "not allowed with argument --replicas above 1" in _refused(
        "ann_keras.py", "--data", "xor", "--replicas", "2", "--until-loss", "0.3")


def test_ctrl_c_ends_a_long_compiled_replica_loop_within_seconds():
    """The Python handler cannot run while the compiled loop runs: the watchdog ends it."""
    import signal
    import subprocess
    import sys
    import time

    child = subprocess.Popen([sys.executable, "ann_tensorflow.py", "1000000", "--data", "xor",
                              "--replicas", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    time.sleep(8)  # past the start-up, inside the loop (a million steps: minutes)
    sent = time.perf_counter()
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert time.perf_counter() - sent < 4
    assert child.returncode == 130
    assert stderr.strip() == "interrupted: stopped before the end, nothing was written"
