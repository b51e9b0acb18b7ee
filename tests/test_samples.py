"""More than one sample: data sets, batches, trainable biases, random starts.

TensorFlow and Keras against numpy_ref, in both orders, on every kind of
data the trainers take; the data sets and the CSV reader themselves.  What
the command line makes of the data options is test_data_options.py; replicas
are test_replicas.py.
"""

import functools
from dataclasses import replace

import numpy as np
import pytest
from conftest import ROOT, SIX_SAMPLES, refused_in_process, run_script

from numpy_ref import MAZUR, train
from numpy_ref.data import (
    MAZUR_DATA,
    XOR_DATA,
    DataError,
    data_set,
    random_weights,
    read_csv,
)
from numpy_ref.optimizers import Optimizer
from numpy_ref.training import Training


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
            replace(xor, train_biases=True).with_random_weights(3),
            Training(),
        ),
        "xor, online, trained biases": (
            replace(xor, train_biases=True, batch_size=1, learning_rate=2.0),
            Training(),
        ),
        "xor, batches of 3, random start": (
            replace(xor, batch_size=3).with_random_weights(1),
            Training(),
        ),
        "csv, batches of 4 and 2, trained biases": (
            replace(MAZUR, data=six, batch_size=4, train_biases=True),
            Training(),
        ),
        "xor, batches of 3, adam, l2": (
            replace(xor, batch_size=3, train_biases=True, learning_rate=0.05).with_random_weights(
                2
            ),
            Training(optimizer=Optimizer.named("adam"), l2=0.01),
        ),
    }


@functools.cache
def _run(framework, update, dtype, name, six):
    from implementations import FRAMEWORKS
    from implementations.settings import RunSettings

    example, training = settings(six)[name]
    return FRAMEWORKS[framework].train(RunSettings(200, update, example, dtype, training=training))


def _distance(a, b):
    pairs = [
        (a.losses, b.losses),
        (a.final_hidden_weights, b.final_hidden_weights),
        (a.final_output_weights, b.final_output_weights),
        *zip(a.final_biases, b.final_biases),
        (a.predictions, b.predictions),
        (a.final_loss, b.final_loss),
    ]
    return max(float(np.max(np.abs(np.asarray(x, float) - np.asarray(y, float)))) for x, y in pairs)


NAMES = list(settings(MAZUR_DATA))


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["tensorflow", "keras"])
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("name", NAMES)
def test_float64_frameworks_match_numpy_on_every_iteration(framework, update, name, six_samples):
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


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["tensorflow", "keras"])
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("name", NAMES[:3])
def test_float32_runs_are_ten_times_nearer_their_own_order(framework, update, name, six_samples):
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
    assert result.to_json()["weights"]["biases"] == {"hidden": [0.35, 0.35], "output": [0.6, 0.6]}


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
    np.testing.assert_allclose(
        result.final_biases[1], 0.6 - delta_o.sum(axis=0), rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(
        result.final_biases[0], 0.35 - delta_h.sum(axis=0), rtol=0, atol=1e-15
    )
    assert result.initial_loss == pytest.approx(
        np.mean(0.5 * np.sum((t - o) ** 2, axis=1)), abs=1e-16, rel=0
    )


# Data ---------------------------------------------------------------------------


def test_batches_are_consecutive_in_passes_with_a_smaller_last_one():
    assert [XOR_DATA.batch_rows(k, 3) for k in range(5)] == [(0, 3), (3, 4), (0, 3), (3, 4), (0, 3)]
    assert [XOR_DATA.batch_rows(k, 1) for k in range(5)] == [(0, 1), (1, 2), (2, 3), (3, 4), (0, 1)]
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


@pytest.mark.parametrize(
    "text, problem",
    [
        ("i1,i2,t1\n0,0,0\n", "line 1: the header must be i1,i2,t1,t2"),
        ("", "line 1: the header must be i1,i2,t1,t2"),
        ("i1,i2,t1,t2\n", "no samples after the header"),
        ("i1,i2,t1,t2\n0,0,x,1\n", "line 2: t1 is not a number: 'x'"),
        ("i1,i2,t1,t2\n0,0,0,1\n0,nan,1,0\n", "line 3: i2 must be a finite number, not nan"),
        ("i1,i2,t1,t2\n0,0,0,1\n0,1,inf,0\n", "line 3: t1 must be a finite number, not inf"),
        ("i1,i2,t1,t2\n0,0,0\n", "line 2: 3 values, not 4"),
    ],
)
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


# What the hostile tester found -----------------------------------------------------


def test_a_csv_with_a_byte_order_mark_reads(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfi1,i2,t1,t2\r\n0,1,1,0\r\n")
    assert read_csv(str(path)).inputs == ((0.0, 1.0),)


@pytest.mark.parametrize(
    "text, problem",
    [
        ('i1,i2,t1,t2\n"0\n",0,0,1\n1,1_0,0,1\n', "line 4: i2 is not a number: '1_0'"),
        (
            "i1,i2,t1,t2\n0,0,0," + "9" * 500 + "x\n",
            "line 2: t2 is not a number: '99999999999999999999...'",
        ),
    ],
)
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


def test_keras_replicas_without_until_loss():
    # with a log: tests/test_export.py's replica run logs, exports and converts
    assert "not allowed with argument --replicas above 1" in refused_in_process(
        "ann_keras.py", "--data", "xor", "--replicas", "2", "--until-loss", "0.3"
    )


@pytest.mark.slow
def test_ctrl_c_ends_a_long_compiled_replica_loop_within_seconds():
    """The Python handler cannot run while the compiled loop runs: the watchdog ends it."""
    import signal
    import subprocess
    import sys
    import time

    child = subprocess.Popen(
        [sys.executable, "ann_tensorflow.py", "1000000", "--data", "xor", "--replicas", "2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(8)  # past the start-up, inside the loop (a million steps: minutes)
    sent = time.perf_counter()
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert time.perf_counter() - sent < 4
    assert child.returncode == 130
    assert stderr.strip() == "interrupted: stopped before the end, nothing was written"
