"""--logdir: every iteration's loss, outputs and weights as TensorBoard scalars."""

import glob
import json
import os

import numpy as np
from conftest import run_script

from numpy_ref import MAZUR


def read_scalars(run_folder):
    """{tag: {step: value}} from a run folder's event files, without tensorboard."""
    import tensorflow as tf

    scalars = {}
    for path in glob.glob(os.path.join(run_folder, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                assert value.metadata.plugin_data.plugin_name in ("scalars", "")
                scalars.setdefault(value.tag, {})[event.step] = float(
                    tf.make_ndarray(value.tensor))
    return scalars


def assert_logged(scalars, result):
    n = result.iterations
    assert set(scalars) == {"loss", "output/o1", "output/o2",
                            *(f"weights/w{k}" for k in range(1, 9))}
    assert sorted(scalars["loss"]) == list(range(1, n + 1))
    logged = np.array([scalars["loss"][k] for k in range(1, n + 1)])
    np.testing.assert_array_equal(logged, result.losses.astype(np.float32))
    o2 = np.array([scalars["output/o2"][k] for k in range(1, n + 1)])
    np.testing.assert_array_equal(o2, result.outputs[:, 1].astype(np.float32))
    w7 = np.array([scalars["weights/w7"][k] for k in range(1, n + 1)])
    np.testing.assert_array_equal(w7, result.output_weights[:, 1, 0].astype(np.float32))


def test_tensorflow_logs_every_iteration(tmp_path):
    from frameworks import tape
    from frameworks.tensorboard import ScalarLog

    result = tape.train(300, "sequential", MAZUR, "float32")
    log = ScalarLog(str(tmp_path), "tensorflow", result.update)
    log.write_result(result)
    folder = log.path
    assert os.path.basename(folder).startswith("tensorflow-sequential-")
    assert_logged(read_scalars(folder), result)


def test_keras_callback_logs_every_iteration(tmp_path):
    from frameworks import keras_model
    from frameworks.tensorboard import ScalarLog

    log = ScalarLog(str(tmp_path), "keras", "parallel")
    # 2500 steps: three callback calls (1000, 2000, and the last 500 at the end)
    result, _ = keras_model.train_model(2500, "parallel", MAZUR, "float32",
                                        callbacks=[keras_model.TensorBoardScalars(log)])
    assert os.path.basename(log.path).startswith("keras-parallel-")
    assert_logged(read_scalars(log.path), result)


def test_each_invocation_gets_its_own_run_folder(tmp_path):
    from frameworks.tensorboard import ScalarLog

    first = ScalarLog(str(tmp_path), "tensorflow", "parallel").path
    second = ScalarLog(str(tmp_path), "tensorflow", "parallel").path
    assert first != second and os.path.isdir(first) and os.path.isdir(second)


def test_logdir_from_the_command_line(tmp_path):
    done = run_script("ann_tensorflow.py", "50", "--json", "--logdir", str(tmp_path / "logs"))
    assert done.returncode == 0, done.stderr
    folder = json.loads(done.stdout)["logged_to"]
    assert os.path.dirname(folder) == str(tmp_path / "logs")
    assert len(read_scalars(folder)["loss"]) == 50


def test_unwritable_logdir_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = run_script("ann_keras.py", "10", "--logdir", str(blocker / "logs"), timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot create log folder" in done.stderr
