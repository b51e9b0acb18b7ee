"""PyTorch autograd and torch.optim against the NumPy reference of torch.optim's formulas.

In float64, in both update orders, for every optimizer, schedule and penalty,
on Mazur's sample and on XOR with trained biases and mini-batches, the losses
agree to 1e-12 and every weight to 1e-10; with plain SGD the PyTorch rows are
the TensorFlow and Keras rows' numbers too.  The command line is the other
trainers': the same options, report and JSON, --explain, --logdir, and one
line for what it cannot do.
"""

import json
import os
import re

import numpy as np
import pytest
from conftest import ROOT, one_line, printed, refused_in_process, run_script, without_package
from test_optimizers import SETTINGS

import ann_pytorch
import ann_tensorflow
from console.comparison import distance
from implementations import FRAMEWORKS, other_order
from implementations.settings import RunSettings
from numpy_ref import MAZUR, train
from numpy_ref.example import Example
from numpy_ref.optimizers import OPTIMIZERS, Optimizer
from numpy_ref.training import Training
from support.packages import installed

#: Every test but the one of what a user without PyTorch sees needs it.
needs_torch = pytest.mark.skipif(
    not installed("torch"), reason="PyTorch is not installed (requirements-frameworks.txt)"
)

ITERATIONS = 200
#: RMSprop with torch's formulas takes steps of about lr once its gradients are
#: tiny (eps outside the root), so the network bounces and two correct
#: implementations part after 56 to 200 updates (torch's sqrt is MKL's, one
#: unit in the last place from NumPy's in 0.5% of values): it is held to the
#: same digits over the updates before that; in float32 its rounding
#: bounces the network about as far as the two orders are apart (5e-3 against
#: 7e-3 at lr 0.05), so no float32 run can say which order it is.
BOUNCING = {"rmsprop": 50}


def torch_run(iterations, update, example, dtype, training):
    return FRAMEWORKS["pytorch"].train(
        RunSettings(iterations, update, example, dtype, training=training)
    )


def assert_exact(run, reference):
    """float64 agreement: losses to 1e-12, every weight and bias to 1e-10."""
    assert run.stopped_at == reference.stopped_at and run.updates == reference.updates
    np.testing.assert_allclose(run.losses, reference.losses, rtol=0, atol=1e-12)
    for ours, theirs in (
        (run.final_hidden_weights, reference.final_hidden_weights),
        (run.final_output_weights, reference.final_output_weights),
        *zip(run.final_biases, reference.final_biases),
    ):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


@pytest.mark.slow
@needs_torch
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_pytorch_computes_torch_optims_formulas(setting, optimizer, update):
    learning_rate, fields = SETTINGS[setting]
    example = MAZUR.with_learning_rate(learning_rate)
    settings = Training(optimizer=Optimizer.named(optimizer, formulas="pytorch"), **fields)
    iterations = BOUNCING.get(optimizer, ITERATIONS)
    reference = train(iterations, update, example, training=settings)
    assert_exact(torch_run(iterations, update, example, "float64", settings), reference)
    if optimizer in BOUNCING:
        return  # float32's rounding bounces as far as the orders are apart
    other = train(iterations, other_order(update), example, training=settings)
    rounded = torch_run(iterations, update, example, "float32", settings)
    assert distance(rounded, reference) * 10 <= distance(rounded, other)


#: XOR's learning rate for each optimizer tried on it (adam's grid is 0.001 to 1).
XOR_RATES = {"sgd": 2.0, "momentum": 2.0, "adam": 0.05}
XOR_RUNS = {
    "full batches": {},
    "batches of 1": {"batch_size": 1},
    "batches of 3, random start": {"batch_size": 3, "init": "random", "seed": 2},
}


@pytest.mark.slow
@needs_torch
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("optimizer", list(XOR_RATES))
@pytest.mark.parametrize("name", list(XOR_RUNS))
def test_xor_with_trained_biases_and_batches(name, optimizer, update):
    from numpy_ref.data import XOR_DATA

    example = Example(data=XOR_DATA, train_biases=True, learning_rate=XOR_RATES[optimizer])
    fields = XOR_RUNS[name]
    if "seed" in fields:
        example = example.with_random_weights(fields["seed"])
    if "batch_size" in fields:
        example = Example(**{**vars(example), "batch_size": fields["batch_size"]})
    settings = Training(optimizer=Optimizer.named(optimizer, formulas="pytorch"), l2=1e-3)
    reference = train(300, update, example, training=settings)
    assert_exact(torch_run(300, update, example, "float64", settings), reference)


@pytest.mark.slow
@needs_torch
@pytest.mark.parametrize("update", ["parallel", "sequential"])
def test_with_plain_sgd_pytorch_is_the_tensorflow_and_keras_rows(update):
    run = RunSettings(1000, update, MAZUR, "float64")
    pytorch = FRAMEWORKS["pytorch"].train(run)
    for framework in ("tensorflow", "keras"):
        assert distance(pytorch, FRAMEWORKS[framework].train(run)) <= 1e-14, framework


@pytest.mark.slow
@needs_torch
def test_the_script_prints_the_other_trainers_report_and_json():
    done = run_script("ann_pytorch.py", "100", "--update", "sequential", "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    # the other scripts' processes are other tests'; here, what they print is enough
    tensorflow = printed(ann_tensorflow.main, ["100", "--update", "sequential", "--json"])
    assert set(document) == set(json.loads(tensorflow))
    assert document["implementation"] == "pytorch"
    assert document["optimizer"] == {"name": "sgd", "formulas": "pytorch"}
    text = printed(ann_pytorch.main, ["100", "--update", "sequential"])
    assert "autograd carries deltas via new w5..w8" in text
    assert f"loss after 100 updates  {document['final_loss']:.10f}" in text


@pytest.mark.slow
@needs_torch
def test_explain_reads_every_gradient_from_grad_and_agrees_with_the_tutorial():
    done = run_script("ann_pytorch.py", "--explain", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Every gradient below is read from .grad." in done.stdout
    assert "25 of 25 published figures agree" in done.stdout
    # the other order in this process: the command above shows it as a process
    sequential = printed(ann_pytorch.main, ["--explain", "--update", "sequential"])
    assert "21 of 21 published figures agree" in sequential


@pytest.mark.parametrize(
    "arguments, problem",
    [
        (["--data", "xor", "--replicas", "2"], "use ann_tensorflow.py --replicas"),
        (["--explain", "--loss", "mse"], "not allowed with argument --explain"),
        (["--lr", "nan"], "--lr"),
    ],
)
@needs_torch
def test_what_it_cannot_do_is_one_line_and_exit_2(arguments, problem):
    assert problem in refused_in_process("ann_pytorch.py", "10", *arguments)


@pytest.mark.slow
def test_without_torch_every_script_says_what_to_install(tmp_path):
    env = without_package(tmp_path, "torch")
    done = run_script("ann_pytorch.py", "10", env=env)
    assert done.returncode == 2
    assert "pip install -r requirements-frameworks.txt" in one_line(done.stderr)
    assert run_script("ann_pytorch.py", "--help", env=env).returncode == 0
    # compare_implementations.py without PyTorch: tests/test_compare.py;
    # test_installation.py without PyTorch: tests/test_installation_check.py


@pytest.mark.slow
@needs_torch
def test_logdir_writes_the_runs_scalars(tmp_path):
    from test_tensorboard import read_scalars

    # -X importtime lists every module imported: TensorFlow is not among them
    command = ("-X", "importtime", "ann_pytorch.py", "50", "--logdir", str(tmp_path), "--json")
    done = run_script(*command, timeout=120)
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "torch.utils.tensorboard" in imported and "tensorflow" not in imported
    document = json.loads(done.stdout)
    scalars = read_scalars(document["logged_to"])
    assert sorted(scalars["loss"]) == list(range(1, 52))
    assert scalars["loss"][51] == pytest.approx(document["final_loss"], rel=1e-6)
    assert str(tmp_path) in document["logged_to"] and ROOT not in document["logged_to"]
    env = without_package(tmp_path, "tensorboard")
    refused = run_script("ann_pytorch.py", "50", "--logdir", str(tmp_path / "no"), env=env)
    assert refused.returncode == 2
    assert "needs the tensorboard package" in one_line(refused.stderr)


@needs_torch
def test_a_log_the_disk_cannot_hold_is_one_line_and_no_folder(tmp_path, capsys, monkeypatch):
    """A full disk fails tensorboard's writer thread, which keeps the error for the next
    flush: the script says it in one line, with nothing from the thread, keeps the
    results, and leaves no half log."""
    from tensorboard.summary.writer.record_writer import RecordWriter

    def full_disk(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(RecordWriter, "write", full_disk)
    assert ann_pytorch.main(["5", "--logdir", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert "loss after 5 updates" in printed.out and "TensorBoard" not in printed.out
    line = one_line(printed.err)
    assert line.startswith(f"error: cannot write {tmp_path / 'pytorch-parallel-'}")
    assert line.endswith(": No space left on device")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------
# docs/pytorch.md's figures
# ---------------------------------------------------------------------------


@pytest.mark.slow
@needs_torch
def test_the_seeds_table_as_the_scripts_print_it():
    """Each column of the page's table is what the scripts print for 10 iterations:
    the float64 ones to the digit, float32's within a last digit on another CPU."""
    from conftest import numbers_in, shown_block

    shown = shown_block(
        "losses of: python ann_pytorch.py 10 and python -m numpy_ref 10, both orders"
    )
    columns = [
        ("numpy", "float64", "sequential"),
        ("numpy", "float64", "parallel"),
        ("pytorch", "float32", "parallel"),
        ("pytorch", "float32", "sequential"),
        ("pytorch", "float64", "parallel"),
        ("pytorch", "float64", "sequential"),
    ]
    runs = [FRAMEWORKS[f].train(RunSettings(10, u, dtype=d)) for f, d, u in columns]
    for line in shown.splitlines()[2:]:
        k, *losses = numbers_in(line)
        for (_, dtype, _), run, shown_loss in zip(columns, runs, losses):
            printed = float(f"{run.losses[int(k) - 1]:.10f}")
            tolerance = 0 if dtype == "float64" else 2e-9
            assert shown_loss == pytest.approx(printed, rel=0, abs=tolerance), (k, dtype)


@pytest.mark.slow
@needs_torch
def test_float64_pytorch_is_numpy_to_the_last_bits_over_1000_iterations():
    for update in ("parallel", "sequential"):
        pytorch = torch_run(1000, update, MAZUR, "float64", Training())
        numpy = train(1000, update)
        assert np.max(np.abs(pytorch.losses - numpy.losses)) <= 1e-16
        for name in ("final_hidden_weights", "final_output_weights"):
            ours, theirs = getattr(pytorch, name), getattr(numpy, name)
            assert np.all(np.abs(ours - theirs) <= 4e-16 * np.abs(theirs)), name


def formulas_apart(optimizer, **fields):
    """Both libraries' formulas for 1000 updates at lr 0.5, parallel: (the largest
    difference of their final w1..w8, Keras's final loss, PyTorch's)."""
    runs = [
        train(
            1000,
            "parallel",
            training=Training(optimizer=Optimizer.named(optimizer, formulas=f), **fields),
        )
        for f in ("keras", "pytorch")
    ]
    weights = [
        np.concatenate([r.final_hidden_weights.ravel(), r.final_output_weights.ravel()])
        for r in runs
    ]
    return float(np.max(np.abs(weights[0] - weights[1]))), runs[0].final_loss, runs[1].final_loss


@pytest.mark.slow
def test_the_formula_tables_apart_column_and_rmsprops_bounce():
    from conftest import as_computed_here, page

    from numpy_ref.schedules import Schedule

    text = " ".join(page("pytorch.md").split())
    rows = {
        "`sgd`": formulas_apart("sgd"),
        "`momentum`": formulas_apart("momentum"),
        "`momentum` under `--lr-schedule exponential`": formulas_apart(
            "momentum", schedule=Schedule.named("exponential")
        ),
        "`nesterov`": formulas_apart("nesterov"),
        "`rmsprop`": formulas_apart("rmsprop"),
        "`adam`": formulas_apart("adam"),
    }
    for name, (apart, _, _) in rows.items():
        shown = text.split(f"| {name} |", 1)[1].split("|")[2].strip()
        written = "0" if apart == 0 else f"{apart:.2g}" if apart >= 1 else f"{apart:.1e}"
        figure = f"{name}, Keras's formulas from torch.optim's"
        assert as_computed_here(shown, written, figure), name
    _, keras_loss, torch_loss = rows["`rmsprop`"]
    bounce = re.search(r"is (\S+) with torch's formula, (\S+) with Keras's", text)
    figure = "`rmsprop`, torch.optim's loss after 1000 updates"
    assert as_computed_here(bounce[1], f"{torch_loss:.1e}", figure), bounce
    assert bounce[2] == f"{keras_loss:.1e}", bounce


@needs_torch
def test_pytorchs_rmsprop_stays_with_the_formulas_for_more_than_100_updates():
    settings = Training(optimizer=Optimizer.named("rmsprop", formulas="pytorch"))
    for update in ("parallel", "sequential"):
        pytorch = torch_run(100, update, MAZUR, "float64", settings)
        assert distance(pytorch, train(100, update, training=settings)) <= 1e-12
