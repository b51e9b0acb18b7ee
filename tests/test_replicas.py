"""Replicas: a batch shared over several devices trains exactly as one device does.

In float64, to 1e-12, for TensorFlow and Keras, both orders, with and
without an optimizer and a penalty; on the command line, and the README's
two runs that differ only in the replicas line.
"""

import json
import math
import re

import pytest
from conftest import PROSE, ROOT, SIX_SAMPLES, printed, run_script, shown_block

import ann_tensorflow

REPLICAS_CHECK = """
import json, sys
from dataclasses import replace
from frameworks.distribute import devices
devices(4)  # before TensorFlow starts: four logical CPU devices
import numpy as np
from numpy_ref import MAZUR
from numpy_ref.data import XOR_DATA, read_csv
from numpy_ref.optimizers import Optimizer
from numpy_ref.training import Training
from frameworks import keras_fit, tape

def distance(a, b):
    pairs = [(a.losses, b.losses), (a.final_hidden_weights, b.final_hidden_weights),
             (a.final_output_weights, b.final_output_weights),
             *zip(a.final_biases, b.final_biases), (a.predictions, b.predictions)]
    return max(float(np.max(np.abs(x - y))) for x, y in pairs)

xor = replace(MAZUR, data=XOR_DATA, train_biases=True).with_random_weights(3)
six = replace(MAZUR, data=read_csv(sys.argv[1]), batch_size=4, train_biases=True)
adam = Training(optimizer=Optimizer.named("adam"), l2=0.01)
found = {}
for framework in (tape, keras_fit):
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


@pytest.mark.slow
def test_replicas_equal_one_device_in_float64(tmp_path):
    path = tmp_path / "six.csv"
    path.write_text(SIX_SAMPLES)
    done = run_script(
        "-c",
        REPLICAS_CHECK,
        str(path),
        timeout=600,
        env={"PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(found) == 2 * 2 * 4
    for key, (distance, replicas) in found.items():
        assert distance <= 1e-12, key
        assert replicas == int(key.rsplit("=", 1)[1]), key


def test_replicas_on_the_command_line_report_themselves():
    done = run_script(
        "ann_tensorflow.py", "50", "--data", "xor", "--replicas", "2", "--json", timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["replicas"] == 2
    assert math.isfinite(json.loads(done.stdout)["final_loss"])


@pytest.mark.slow
def test_readme_replicas_runs_differ_only_in_the_replicas_line():
    """The README's two runs: the same printed numbers, one more line with --replicas 2."""
    block = shown_block("output of: the two runs below, then diff").splitlines()
    commands = [line[2:].split(" > ")[0].split() for line in block if line.startswith("$ python")]
    one_device, replicas = commands
    assert one_device[:2] == replicas[:2] == ["python", "ann_tensorflow.py"]
    assert "--replicas" not in one_device  # so it can run here, on this process's one device
    one = printed(ann_tensorflow.main, one_device[2:]).splitlines()
    done = run_script(*replicas[1:], timeout=300)  # logical devices: a process of its own
    assert done.returncode == 0, done.stderr
    two = done.stdout.splitlines()
    added = [line for line in two if line not in one]
    assert two[:6] == one[:6] and two[7:] == one[6:]
    assert block[block.index("$ diff one.txt two.txt") + 1 :] == ["6a7", f"> {added[0]}"]
    assert "  loss after 2000 updates  0.0020959462   (mean E over every sample)" in one
    predictions = [
        [float(n) for n in re.findall(r"[\d.]+", line.split("->")[1])]
        for line in one
        if line.startswith("  [")
    ]  # o1, o2, t1, t2
    assert len(predictions) == 4
    assert all((o1 > 0.5, o2 > 0.5) == (t1 == 1, t2 == 1) for o1, o2, t1, t2 in predictions)
    assert (
        "Both print `loss after 2000 updates 0.0020959462`, with all four samples'"
        " outputs on the right side of 0.5." in PROSE
    )
