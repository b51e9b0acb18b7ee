"""docs/jax-and-keras-backends.md's figures: the seed's cross-framework table, corrected
(every row's first losses in float32 and float64), and the formula table (Keras's,
torch.optim's and optax's side by side, and how far optax's ends from the other
two), each computed again here."""

import numpy as np
import pytest
from conftest import as_computed_here, page, shown_block, shows_every_framework

from implementations import FRAMEWORKS, IMPLEMENTATIONS
from implementations.settings import RunSettings
from numpy_ref import MAZUR, train
from numpy_ref.example import Example
from numpy_ref.optimizers import FORMULAS, Optimizer
from numpy_ref.schedules import Schedule
from numpy_ref.training import Training

SHOWN = (1, 2, 3, 5, 10)
MARKER = "losses of: every implementation's script, 10 iterations, float32 and float64"


def seeds_tensorflow_column():
    """The seed's TensorFlow column: Mazur's start with each weight matrix transposed
    (w2 and w3, w6 and w7 swapped), in float32."""
    transposed = Example(
        hidden_weights=tuple(zip(*MAZUR.hidden_weights)),
        output_weights=tuple(zip(*MAZUR.output_weights)),
    )
    return train(10, "parallel", transposed, "float32")


def first_losses_table():
    """The table's lines: every row of the comparison (the reference once, in float64;
    each framework in float32 and float64), then the seed's TensorFlow column."""
    from frameworks.keras_child import train_runs_in_child

    rows = [(i, "float64") for i in IMPLEMENTATIONS if i.is_reference and i.formulas == "keras"]
    rows += [(i, d) for i in IMPLEMENTATIONS if not i.is_reference for d in ("float32", "float64")]
    backends = {"keras-jax": "jax", "keras-torch": "torch"}
    children = {
        name: dict(
            zip(
                [(u, d) for u in ("parallel", "sequential") for d in ("float32", "float64")],
                train_runs_in_child(
                    backend,
                    [
                        RunSettings(10, u, MAZUR, d)
                        for u in ("parallel", "sequential")
                        for d in ("float32", "float64")
                    ],
                ),
            )
        )
        for name, backend in backends.items()
    }
    lines = [f"{'':10}  {'order':10}  {'dtype':7}" + "".join(f"  {f'it {k}':>12}" for k in SHOWN)]
    for implementation, dtype in rows:
        if implementation.framework in backends:
            result = children[implementation.framework][(implementation.update, dtype)]
        elif implementation.framework == "csharp" and dtype == "float32":
            continue  # the C# cross-check computes in float64 only
        else:
            run = RunSettings(10, implementation.update, MAZUR, dtype)
            result = FRAMEWORKS[implementation.framework].train(run)
        lines.append(_line(implementation.label, implementation.update, dtype, result))
    lines.append(_line("seed's TF", "transposed", "float32", seeds_tensorflow_column()))
    return lines


def _line(label, update, dtype, result):
    losses = "".join(f"  {result.losses[k - 1]:12.10f}" for k in SHOWN)
    return f"{label:10}  {update:10}  {dtype:7}{losses}"


@pytest.mark.slow
@shows_every_framework
def test_the_seeds_table_corrected_is_what_every_trainer_computes():
    shown = shown_block(MARKER).splitlines()
    now = first_losses_table()
    assert len(shown) == len(now)
    assert shown[0] == now[0]
    for old, new in zip(shown[1:], now[1:]):
        count = len(SHOWN)
        assert old.split()[:-count] == new.split()[:-count]
        # float64 to the digit; float32 may move in its last digit on another CPU
        tolerance = 0 if "float64" in old else 2e-9
        for a, b in zip(old.split()[-count:], new.split()[-count:]):
            assert float(a) == pytest.approx(float(b), rel=0, abs=tolerance), (old, new)
    assert now[-1].split()[4] == "0.3036583066"  # the seed's TensorFlow column's first loss


def apart(optimizer, one, other, **fields):
    """The largest difference of two libraries' final w1..w8 after 1000 parallel
    updates at lr 0.5, both computed by numpy_ref in float64."""
    weights = []
    for formulas in (one, other):
        training = Training(optimizer=Optimizer.named(optimizer, formulas=formulas), **fields)
        result = train(1000, "parallel", training=training)
        weights.append(
            np.concatenate(
                [result.final_hidden_weights.ravel(), result.final_output_weights.ravel()]
            )
        )
    distance = float(np.max(np.abs(weights[0] - weights[1])))
    return "0" if distance == 0 else f"{distance:.2g}" if distance >= 1 else f"{distance:.1e}"


def test_the_formula_tables_optax_columns():
    text = " ".join(page("jax-and-keras-backends.md").split())
    exponential = {"schedule": Schedule.named("exponential")}
    for name, fields, cell in (
        ("`sgd`", {}, "sgd"),
        ("`momentum`", {}, "momentum"),
        ("`momentum` under `--lr-schedule exponential`", exponential, "momentum"),
        ("`nesterov`", {}, "nesterov"),
        ("`rmsprop`", {}, "rmsprop"),
        ("`adam`", {}, "adam"),
    ):
        row = [c.strip() for c in text.split(f"| {name} |", 1)[1].split("|")[:6]]
        formulas = [f"`{FORMULAS[library][cell].formula}`" for library in FORMULAS]
        assert row[:3] == formulas, name  # Keras's, torch.optim's, optax's
        for shown, other, whose in (
            (row[4], "keras", "Keras's"),
            (row[5], "pytorch", "torch.optim's"),
        ):
            figure = f"{name}, optax's formulas from {whose}"
            assert as_computed_here(shown, apart(cell, "optax", other, **fields), figure), name
