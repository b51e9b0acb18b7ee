"""--logdir: every iteration's loss, outputs and weights as TensorBoard scalars."""

import glob
import json
import os

import numpy as np
import pytest
from conftest import finished, run_script

from numpy_ref import MAZUR, train


def read_scalars(run_folder):
    """{tag: {step: value}} from a run folder's event files, without tensorboard."""
    import tensorflow as tf

    scalars = {}
    for path in glob.glob(os.path.join(run_folder, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                assert value.metadata.plugin_data.plugin_name in ("scalars", "")
                # tf.summary writes a tensor; torch.utils.tensorboard a simple_value
                number = (
                    value.simple_value
                    if value.WhichOneof("value") == "simple_value"
                    else tf.make_ndarray(value.tensor)
                )
                scalars.setdefault(value.tag, {})[event.step] = float(number)
    return scalars


def assert_logged(scalars, result):
    n = result.iterations
    assert set(scalars) == {
        "loss",
        "output/o1",
        "output/o2",
        *(f"weights/w{k}" for k in range(1, 9)),
    }
    assert sorted(scalars["loss"]) == list(range(1, n + 2))  # n iterations, then the final state
    assert_final_point(scalars, result)
    logged = np.array([scalars["loss"][k] for k in range(1, n + 1)])
    np.testing.assert_array_equal(logged, result.losses.astype(np.float32))
    o2 = np.array([scalars["output/o2"][k] for k in range(1, n + 1)])
    np.testing.assert_array_equal(o2, result.outputs[:, 1].astype(np.float32))
    w7 = np.array([scalars["weights/w7"][k] for k in range(1, n + 1)])
    np.testing.assert_array_equal(w7, result.output_weights[:, 1, 0].astype(np.float32))


def assert_final_point(scalars, result):
    """Step N + 1 is the state after the last update: the JSON's final figures."""
    final = result.iterations + 1
    assert scalars["loss"][final] == np.float32(result.final_loss)
    assert [scalars[f"output/o{k}"][final] for k in (1, 2)] == list(
        result.final_prediction.astype(np.float32)
    )
    weights = [*result.final_hidden_weights.ravel(), *result.final_output_weights.ravel()]
    assert [scalars[f"weights/w{k}"][final] for k in range(1, 9)] == list(np.float32(weights))


@pytest.mark.slow
def test_tensorflow_logs_every_iteration(tmp_path):
    from frameworks import tape
    from frameworks.tensorboard import ScalarLog

    result = tape.train(300, "sequential", MAZUR, "float32")
    log = ScalarLog(str(tmp_path), "tensorflow", result.update, result.iterations)
    log.write_result(result)
    log.close()
    folder = log.path
    assert os.path.basename(folder).startswith("tensorflow-sequential-")
    assert_logged(read_scalars(folder), result)


@pytest.mark.slow
def test_keras_callback_logs_every_iteration(tmp_path):
    from frameworks import keras_fit
    from frameworks.tensorboard import ScalarLog

    log = ScalarLog(str(tmp_path), "keras", "parallel", 2500)
    # 2500 steps: three callback calls (1000, 2000, and the last 500 at the end)
    callback = keras_fit.TensorBoardScalars(log)
    result, _ = keras_fit.train_model(2500, "parallel", MAZUR, "float32", callbacks=[callback])
    callback.finish(result)
    assert os.path.basename(log.path).startswith("keras-parallel-")
    assert_logged(read_scalars(log.path), result)


def test_each_invocation_gets_its_own_run_folder(tmp_path):
    from frameworks.tensorboard import ScalarLog

    first = ScalarLog(str(tmp_path), "tensorflow", "parallel", 10).path
    second = ScalarLog(str(tmp_path), "tensorflow", "parallel", 10).path
    assert first != second and os.path.isdir(first) and os.path.isdir(second)


@pytest.mark.slow
# ann_keras.py's log runs in this process: tests/test_export.py logs in a process
@pytest.mark.parametrize(
    "script, as_process", [("ann_tensorflow.py", True), ("ann_keras.py", False)]
)
def test_the_logs_last_point_is_the_jsons_final_state(tmp_path, script, as_process):
    arguments = ["50", "--json", "--logdir", str(tmp_path / "logs")]
    status, stdout, stderr = finished(script, arguments, as_process=as_process)
    assert status == 0, stderr
    document = json.loads(stdout)
    folder = document["logged_to"]
    assert os.path.dirname(folder) == str(tmp_path / "logs")
    assert document["logged_every"] == 1
    scalars = read_scalars(folder)
    assert sorted(scalars["loss"]) == list(range(1, 52))
    assert scalars["loss"][51] == np.float32(document["final_loss"])
    assert [scalars["output/o1"][51], scalars["output/o2"][51]] == list(
        np.float32(document["prediction"])
    )
    weights = [*np.ravel(document["weights"]["hidden"]), *np.ravel(document["weights"]["output"])]
    assert [scalars[f"weights/w{k}"][51] for k in range(1, 9)] == list(np.float32(weights))


def test_a_long_run_logs_every_kth_iteration(tmp_path, monkeypatch):
    from frameworks import run_log, tensorboard

    assert run_log.log_every(60_000) == 1
    assert run_log.log_every(10**6) == 17  # 58,824 iterations, about 44 MB
    monkeypatch.setattr(run_log, "MAX_LOGGED_ITERATIONS", 50)
    result = train(200, "parallel")
    log = tensorboard.ScalarLog(str(tmp_path), "numpy", "parallel", 200)
    assert log.every == 4
    log.write_result(result)
    log.close()
    scalars = read_scalars(log.path)
    assert sorted(scalars["loss"]) == [*range(1, 201, 4), 200, 201]
    assert scalars["loss"][197] == np.float32(result.losses[196])
    assert_final_point(scalars, result)
    assert "(every 4th iteration, to keep the log under about 50 MB)" in log.described("D")


def test_unwritable_logdir_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = run_script("ann_keras.py", "10", "--logdir", str(blocker / "logs"), timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot create log folder" in done.stderr


@pytest.mark.slow
def test_a_stopped_keras_log_ends_on_the_stop_and_the_state_after_it(tmp_path, monkeypatch):
    """--until-loss stops before N: the stride chosen for N must not drop the stop."""
    from frameworks import keras_fit, run_log, tensorboard
    from numpy_ref.optimizers import Optimizer
    from numpy_ref.training import Training

    monkeypatch.setattr(run_log, "MAX_LOGGED_ITERATIONS", 50)
    log = tensorboard.ScalarLog(str(tmp_path), "keras", "sequential", 1000)
    assert log.every == 20
    callback = keras_fit.TensorBoardScalars(log)
    adam = Training(optimizer=Optimizer.named("adam"), until_loss=1e-3)
    result, _ = keras_fit.train_model(
        1000,
        "sequential",
        MAZUR.with_learning_rate(0.1),
        "float32",
        callbacks=[callback],
        training=adam,
    )
    callback.finish(result)
    k = result.stopped_at
    assert k % 20 != 1  # the stride alone would skip iteration k
    scalars = read_scalars(log.path)
    assert sorted(scalars["loss"]) == [*range(1, k, 20), k, k + 1]
    assert scalars["loss"][k] == np.float32(result.losses[-1])
    assert scalars["loss"][k + 1] == np.float32(result.final_loss)


def test_a_removed_log_takes_the_folder_it_created_with_it(tmp_path):
    from frameworks.tensorboard import ScalarLog

    log = ScalarLog(str(tmp_path / "new" / "logs"), "keras", "parallel", 10)
    kept = ScalarLog(str(tmp_path / "kept"), "keras", "parallel", 10)
    ScalarLog(str(tmp_path / "kept"), "keras", "parallel", 10).remove()
    log.remove()
    assert not (tmp_path / "new").exists()
    assert os.path.isdir(kept.path)  # a folder another log still uses stays
