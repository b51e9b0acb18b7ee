"""torch.optim's formulas in the NumPy reference (numpy_ref/pytorch_formulas.py).

Each step against torch.optim's own, to the last bit where torch's kernels
round as NumPy does (and otherwise to a few units in the last place); a batch
of networks against each network alone; where the two libraries' formulas
agree (momentum and Nesterov at a constant rate) and where they part
(RMSprop, Adam, and momentum under a schedule), by how much; fused.py's
multiply-add against exact arithmetic; and ``python -m numpy_ref --formulas``.
"""

import dataclasses
import functools
import json
from fractions import Fraction

import numpy as np
import pytest

from numpy_ref import MAZUR, train
from numpy_ref.__main__ import SCRIPT as NUMPY_SCRIPT
from numpy_ref.fused import fused_multiply_add
from numpy_ref.optimizers import (
    OPTIMIZERS,
    PYTORCH_OPTIMIZERS,
    Optimizer,
    OptimizerState,
)
from numpy_ref.schedules import Schedule
from numpy_ref.training import Training

NEEDS_TORCH = "needs torch (pip install -r requirements-frameworks.txt)"
STEPS = 50
#: Where torch's kernels round otherwise than fused.py and np.sqrt do (see
#: torch_rounds_as_numpy), how far apart STEPS steps may end, relative to the
#: largest weight (measured: 1.8e-16, about one unit in its last place; a weight
#: near 0 is further off relative to itself, up to 2.5e-14).
NEAR = 1e-15


@functools.cache
def torch_rounds_as_numpy(torch, name):
    """Whether torch computes ``name``'s step with the roundings pytorch_formulas.py
    uses: multiply-adds rounded once (FMA: every x86-64 CPU since 2013, ARM64), and
    for RMSprop and Adam a square root rounded correctly.  torch's CPU builds on MKL
    take sqrt from MKL's vector library, which errs by one unit in the last place
    in about 1 value of 200."""
    a, b = 1 + 2.0**-27, torch.tensor([-1.0], dtype=torch.float64)
    # a·a - 1 = 2^-26 + 2^-54 exactly: twice rounded it loses the 2^-54
    fused = b.add_(torch.tensor([a], dtype=torch.float64), alpha=a).item() == 2.0**-26 + 2.0**-54
    if name not in ("rmsprop", "adam"):
        return fused
    values = np.random.default_rng(0).uniform(0, 2, 10_000)
    return fused and np.array_equal(torch.tensor(values).sqrt().numpy(), np.sqrt(values))


def assert_as_torch(ours, theirs, torch, name):
    """Bit for bit where torch rounds as NumPy does, else within NEAR."""
    if torch_rounds_as_numpy(torch, name):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=NEAR * np.max(np.abs(theirs)))


def torch_arguments(rule, values):
    """torch.optim's keyword arguments from the rule's table: an argument named twice
    (Adam's betas) takes a tuple of the values, in order."""
    arguments = {}
    for ours, theirs in rule.argument_names:
        arguments.setdefault(theirs, []).append(values[ours])
    return {
        **{key: value[0] if len(value) == 1 else tuple(value) for key, value in arguments.items()},
        **dict(rule.fixed_arguments),
    }


def gradients_and_rates(seed, shape=(2, 2)):
    """STEPS gradients of changing sizes, and a rate that changes every step."""
    rng = np.random.default_rng(seed)
    gradients = [rng.normal(size=shape) * 10.0 ** rng.uniform(-3, 1) for _ in range(STEPS)]
    rates = 0.5 * 0.95 ** np.arange(STEPS) * rng.uniform(0.5, 1.5, STEPS)
    return gradients, rates


def torch_run(torch, name, w, gradients, rates):
    """The weights after each step of torch.optim's own optimizer, in float64."""
    rule = PYTORCH_OPTIMIZERS[name]
    parameter = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, rule.class_name)(
        [parameter], lr=float(rates[0]), **torch_arguments(rule, dict(rule.defaults))
    )
    weights = []
    for g, lr in zip(gradients, rates):
        for group in optimizer.param_groups:
            group["lr"] = float(lr)  # as a scheduler sets it
        parameter.grad = torch.tensor(g, dtype=torch.float64)
        optimizer.step()
        weights.append(parameter.detach().numpy().copy())
    return np.array(weights)


def numpy_run(name, w, gradients, rates):
    """The weights after each step of pytorch_formulas.py's step, in float64."""
    state = OptimizerState(Optimizer.named(name, formulas="pytorch"), "float64")
    weights = []
    for t, (g, lr) in enumerate(zip(gradients, rates), start=1):
        w = state.step("layer", w, g, lr, t)
        weights.append(w)
    return np.array(weights)


@pytest.mark.parametrize("name", list(PYTORCH_OPTIMIZERS))
def test_every_step_is_torch_optims_own(name):
    torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
    for seed in range(5):
        w = np.random.default_rng(100 + seed).normal(size=(2, 2))
        gradients, rates = gradients_and_rates(seed)
        ours = numpy_run(name, w, gradients, np.float64(rates))
        assert_as_torch(ours, torch_run(torch, name, w, gradients, rates), torch, name)


@pytest.mark.parametrize("name", list(PYTORCH_OPTIMIZERS))
def test_a_batch_of_networks_steps_as_each_alone(name):
    batch = 3
    w = np.random.default_rng(7).normal(size=(batch, 2, 2))
    gradients, _ = gradients_and_rates(8, shape=(batch, 2, 2))
    rates = np.array([0.5, 0.05, 0.01]) * 0.97 ** np.arange(STEPS)[:, None]  # (steps, B)
    together = numpy_run(name, w, gradients, rates[:, :, None, None])  # lr (B, 1, 1)
    for b in range(batch):
        alone = numpy_run(name, w[b], [g[b] for g in gradients], rates[:, b])
        np.testing.assert_array_equal(together[:, b], alone)
    torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
    for b in range(batch):
        theirs = torch_run(torch, name, w[b], [g[b] for g in gradients], rates[:, b])
        assert_as_torch(together[:, b], theirs, torch, name)


def final_weights(name, formulas, update, lr, schedule=Schedule()):
    training = Training(optimizer=Optimizer.named(name, formulas=formulas), schedule=schedule)
    result = train(1000, update, MAZUR.with_learning_rate(lr), training=training)
    return np.concatenate(
        [result.final_hidden_weights.ravel(), result.final_output_weights.ravel()]
    )


def keras_minus_pytorch(name, update, lr, schedule=Schedule()):
    """max |w_keras - w_pytorch| over w1..w8 after 1000 iterations."""
    keras, pytorch = (final_weights(name, f, update, lr, schedule) for f in ("keras", "pytorch"))
    return float(np.max(np.abs(keras - pytorch)))


@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov"])
def test_at_a_constant_rate_momentum_is_keras_to_rounding(name, update):
    # Keras's m is -lr times torch's momentum buffer: the same numbers at a constant rate
    assert keras_minus_pytorch(name, update, 0.05) < 1e-13


@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("name", ["rmsprop", "adam"])
def test_rmsprop_and_adam_end_apart_from_keras(name, update, capsys):
    apart = keras_minus_pytorch(name, update, 0.05)
    with capsys.disabled():
        print(f"\n{name} {update}, lr 0.05: max |w keras - w pytorch| = {apart:.3g}")
    assert apart > 1e-6


def test_under_a_schedule_momentum_ends_apart_from_keras(capsys):
    # torch multiplies the whole gradient sum by today's rate, Keras each step by its own
    exponential = Schedule.named("exponential", None, None)
    apart = keras_minus_pytorch("momentum", "parallel", 0.05, exponential)
    with capsys.disabled():
        print(f"\nmomentum, exponential decay, lr 0.05: max |w keras - w pytorch| = {apart:.3g}")
    assert apart > 1e-6


def test_the_two_tables_have_the_same_optimizers_and_defaults():
    assert list(PYTORCH_OPTIMIZERS) == list(OPTIMIZERS)
    for name, rule in PYTORCH_OPTIMIZERS.items():
        keras = OPTIMIZERS[name]
        assert (rule.defaults, rule.study_rates) == (keras.defaults, keras.study_rates)
        assert {ours for ours, _ in rule.argument_names} == set(dict(rule.defaults))
        assert [what for what, _ in rule.explained][-1] == "step"


def test_an_optimizer_names_its_formulas():
    adam = Optimizer.named("adam", formulas="pytorch", beta2=0.99)
    assert (
        adam.rule is PYTORCH_OPTIMIZERS["adam"]
        and Optimizer.named("adam").rule is OPTIMIZERS["adam"]
    )
    assert adam.to_json() == {
        "name": "adam",
        "formulas": "pytorch",
        "beta1": 0.9,
        "beta2": 0.99,
        "epsilon": 1e-7,
    }
    assert adam.describe() == "adam, torch.optim's formulas (beta1 0.9, beta2 0.99, epsilon 1e-07)"
    assert Optimizer.named("adam").describe() == "adam (beta1 0.9, beta2 0.999, epsilon 1e-07)"
    with pytest.raises(
        ValueError, match=r"^formulas must be one of keras, pytorch, optax, not 'torch'$"
    ):
        Optimizer.named("adam", formulas="torch")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_multiply_add_rounds_once(dtype):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 300)).astype(dtype)
    c = np.concatenate(
        [rng.normal(size=100), -(a * b.astype(float))[100:200], rng.normal(size=100)]
    )
    c = c.astype(dtype)  # the middle third cancels a·b to its last bits
    got = fused_multiply_add(a, b, c)
    assert got.dtype == dtype
    for x, y, z, result in zip(a, b, c, got):
        exact = Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))
        nearest = dtype(float(exact))  # float(Fraction) rounds correctly to float64
        if dtype is np.float32:  # round to float32 from the exact value, not from float64
            below, above = (
                np.nextafter(nearest, dtype(-np.inf)),
                np.nextafter(nearest, dtype(np.inf)),
            )
            nearest = min((below, nearest, above), key=lambda v: abs(Fraction(float(v)) - exact))
        assert result == nearest
    one = 1 + 2.0**-27
    assert fused_multiply_add(one, one, -1.0) == 2.0**-26 + 2.0**-54  # twice rounded: 2^-26
    assert fused_multiply_add(1e300, 1e300, 1.0) == np.inf


def printed(capsys, *arguments):
    assert NUMPY_SCRIPT.main(list(arguments)) == 0
    return capsys.readouterr().out


def test_the_command_line_trains_with_the_formulas_it_names(capsys):
    document = json.loads(
        printed(capsys, "100", "--optimizer", "adam", "--formulas", "pytorch", "--json")
    )
    assert document["optimizer"]["formulas"] == "pytorch"
    direct = train(100, training=Training(optimizer=Optimizer.named("adam", formulas="pytorch")))
    assert document["weights"]["output"] == direct.final_output_weights.tolist()
    assert (
        json.loads(printed(capsys, "10", "--optimizer", "adam", "--json"))["optimizer"]["formulas"]
        == "keras"
    )
    report = printed(capsys, "10", "--optimizer", "adam", "--formulas", "pytorch")
    assert "  optimizer       adam, torch.optim's formulas (beta1 0.9," in report


def test_unknown_formulas_are_one_line_and_status_2(capsys):
    with pytest.raises(SystemExit) as stopped:
        NUMPY_SCRIPT.main(["--optimizer", "adam", "--formulas", "torch"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "argument --formulas: invalid choice: 'torch'" in error


def test_explain_shows_the_formulas_it_names(capsys):
    pytorch = printed(capsys, "--explain", "--optimizer", "rmsprop", "--formulas", "pytorch")
    assert "rmsprop, torch.optim's formulas (rho 0.9, epsilon 1e-07)" in pytorch
    assert "= -lr·g / (sqrt(v) + eps)" in pytorch and "sqrt(v + eps)" not in pytorch
    keras = printed(capsys, "--explain", "--optimizer", "rmsprop")
    assert "= -lr·g / sqrt(v + eps)" in keras and "torch.optim" not in keras


def test_a_script_without_the_option_follows_its_own_formulas():
    script = dataclasses.replace(NUMPY_SCRIPT, add_options=None, formulas="pytorch")
    assert script.parse(["--optimizer", "adam"]).run.training.optimizer.formulas == "pytorch"
    assert NUMPY_SCRIPT.parse(["--optimizer", "adam"]).run.training.optimizer.formulas == "keras"
