"""JAX autodiff and optax against the NumPy reference of optax's formulas.

optax's steps one by one against numpy_ref/optax_formulas.py; where optax's
formulas meet Keras's and torch.optim's, and where they part; then whole
runs: in float64, in both update orders, for every optimizer, schedule and
penalty, on Mazur's sample and on XOR with trained biases and mini-batches
(one of them smaller than the rest), the losses agree to 1e-12 and every
weight to 1e-10; with plain SGD the JAX rows are the other frameworks'
numbers.  The command line is the other trainers': the same options, report
and JSON, --explain, --logdir, and one line for what it cannot do.
"""

import json

import numpy as np
import pytest
from conftest import ROOT, one_line, printed, refused_in_process, run_script, without_package
from test_optimizers import SETTINGS
from test_pytorch import assert_exact

import ann_jax
import ann_tensorflow
from console.comparison import distance
from implementations import FRAMEWORKS, other_order
from implementations.settings import RunSettings
from numpy_ref import MAZUR, train
from numpy_ref.data import XOR_DATA
from numpy_ref.example import Example
from numpy_ref.optimizers import OPTAX_OPTIMIZERS, OPTIMIZERS, Optimizer, OptimizerState
from numpy_ref.schedules import Schedule
from numpy_ref.training import Training

needs_jax = pytest.mark.skipif(
    not FRAMEWORKS["jax"].installed,
    reason="JAX and optax are not installed (requirements-frameworks.txt)",
)

ITERATIONS = 200
STEPS = 50
#: XLA computes exp, rsqrt and some multiply-adds its own way (optax_formulas.py):
#: how far STEPS optax steps may end from the table's, relative to the largest
#: weight (measured: 4.4e-16, two units in the last place).
NEAR = 2e-15


def jax_run(iterations, update, example, dtype, training):
    return FRAMEWORKS["jax"].train(
        RunSettings(iterations, update, example, dtype, training=training)
    )


# ---------------------------------------------------------------------------
# optax's steps, one by one
# ---------------------------------------------------------------------------


def optax_steps(name, w, gradients, rates):
    """The weights after each step of optax's own optimizer, in float64, at the rate
    each step is given (an optax schedule of those rates)."""
    import jax.numpy as jnp
    import optax

    from frameworks import jax_autodiff  # noqa: F401  jax_enable_x64 on

    rule = OPTAX_OPTIMIZERS[name]
    schedule = lambda count: jnp.asarray(rates)[count]  # noqa: E731
    optimizer = getattr(optax, rule.class_name)(
        learning_rate=schedule, **rule.library_arguments(dict(rule.defaults))
    )
    weights, parameter = [], jnp.asarray(w)
    state = optimizer.init(parameter)
    for g in gradients:
        updates, state = optimizer.update(jnp.asarray(g), state, parameter)
        parameter = optax.apply_updates(parameter, updates)
        weights.append(np.asarray(parameter))
    return np.array(weights)


def table_steps(name, w, gradients, rates):
    """The weights after each step of optax_formulas.py's step, in float64."""
    state = OptimizerState(Optimizer.named(name, formulas="optax"), "float64")
    weights = []
    for t, (g, lr) in enumerate(zip(gradients, rates), start=1):
        w = state.step("layer", w, g, np.float64(lr), t)
        weights.append(w)
    return np.array(weights)


@needs_jax
@pytest.mark.parametrize("name", list(OPTAX_OPTIMIZERS))
def test_every_step_is_optaxs_own(name):
    rng = np.random.default_rng(3)
    w = rng.normal(size=(2, 2))
    gradients = [rng.normal(size=(2, 2)) * 10.0 ** rng.uniform(-3, 1) for _ in range(STEPS)]
    rates = 0.5 * 0.95 ** np.arange(STEPS)
    ours, theirs = table_steps(name, w, gradients, rates), optax_steps(name, w, gradients, rates)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=NEAR * np.max(np.abs(theirs)))


def final_weights(name, formulas, schedule=Schedule()):
    training = Training(optimizer=Optimizer.named(name, formulas=formulas), schedule=schedule)
    result = train(1000, "parallel", MAZUR.with_learning_rate(0.05), training=training)
    return np.concatenate(
        [result.final_hidden_weights.ravel(), result.final_output_weights.ravel()]
    )


def apart(name, one, other, schedule=Schedule()):
    """max |w1..w8 of ``one``'s formulas - ``other``'s| after 1000 updates at lr 0.05."""
    return float(
        np.max(np.abs(final_weights(name, one, schedule) - final_weights(name, other, schedule)))
    )


#: Whose formula optax's is, for each optimizer (numpy_ref/optax_formulas.py's docstring),
#: and the library whose formula it is not.
SAME_FORMULA = {
    "sgd": ("keras", None),
    "momentum": ("pytorch", None),
    "nesterov": ("pytorch", None),
    "rmsprop": ("keras", "pytorch"),
    "adam": ("pytorch", "keras"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SAME_FORMULA))
def test_optaxs_formula_is_keras_or_torchs_and_where_it_is_not(name):
    same, different = SAME_FORMULA[name]
    assert apart(name, "optax", same) < 1e-13  # the same formula, in another order
    if different:
        assert apart(name, "optax", different) > 1e-6
    if name == "momentum":  # under a schedule: torch's, not Keras's
        exponential = Schedule.named("exponential")
        assert apart(name, "optax", "pytorch", exponential) < 1e-13
        assert apart(name, "optax", "keras", exponential) > 1e-6


def test_the_tables_have_the_same_optimizers_and_defaults():
    assert list(OPTAX_OPTIMIZERS) == list(OPTIMIZERS)
    for name, rule in OPTAX_OPTIMIZERS.items():
        keras = OPTIMIZERS[name]
        assert (rule.defaults, rule.study_rates) == (keras.defaults, keras.study_rates)
        assert {ours for ours, _ in rule.argument_names} == set(dict(rule.defaults))
        assert [what for what, _ in rule.explained][-1] == "step"


@pytest.mark.slow
@needs_jax
def test_optaxs_exponential_decay_at_its_int32_count_is_float32_and_ours_is_float64():
    """Why frameworks/jax_autodiff.py hands optax the count as a float: optax counts
    in int32, and exponential_decay at an int32 count computes in float32."""
    import jax.numpy as jnp
    import optax

    from frameworks.jax_autodiff import optax_learning_rate

    decay = optax.exponential_decay(0.05, transition_steps=300, decay_rate=0.1)
    assert decay(jnp.asarray(7, jnp.int32)).dtype == jnp.float32
    ours = optax_learning_rate(Schedule.named("exponential", 300), 0.05, "float64")
    assert ours(jnp.asarray(7, jnp.int32)).dtype == jnp.float64
    assert float(ours(jnp.asarray(7, jnp.int32))) == 0.05 * 0.1 ** (7 / 300)


# ---------------------------------------------------------------------------
# Whole runs
# ---------------------------------------------------------------------------


@pytest.mark.slow
@needs_jax
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_jax_computes_optaxs_formulas(setting, optimizer, update):
    learning_rate, fields = SETTINGS[setting]
    example = MAZUR.with_learning_rate(learning_rate)
    settings = Training(optimizer=Optimizer.named(optimizer, formulas="optax"), **fields)
    reference = train(ITERATIONS, update, example, training=settings)
    assert_exact(jax_run(ITERATIONS, update, example, "float64", settings), reference)
    if setting != "constant, lr 0.05":
        return  # float32 once per optimizer and order
    other = train(ITERATIONS, other_order(update), example, training=settings)
    rounded = jax_run(ITERATIONS, update, example, "float32", settings)
    assert rounded.losses.dtype == np.float32
    assert distance(rounded, reference) * 10 <= distance(rounded, other)


#: XOR's learning rate for each optimizer tried on it.
XOR_RATES = {"sgd": 2.0, "momentum": 2.0, "adam": 0.05}
XOR_RUNS = {
    "full batches": {},
    "batches of 1": {"batch_size": 1},
    "batches of 2": {"batch_size": 2},
    "batches of 3 and 1, random start": {"batch_size": 3, "init": "random", "seed": 2},
}


@pytest.mark.slow
@needs_jax
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("optimizer", list(XOR_RATES))
@pytest.mark.parametrize("name", list(XOR_RUNS))
def test_xor_with_trained_biases_and_batches(name, optimizer, update):
    example = Example(data=XOR_DATA, train_biases=True, learning_rate=XOR_RATES[optimizer])
    fields = XOR_RUNS[name]
    if "seed" in fields:
        example = example.with_random_weights(fields["seed"])
    if "batch_size" in fields:
        example = Example(**{**vars(example), "batch_size": fields["batch_size"]})
    settings = Training(optimizer=Optimizer.named(optimizer, formulas="optax"), l2=1e-3)
    reference = train(300, update, example, training=settings)
    assert_exact(jax_run(300, update, example, "float64", settings), reference)


@pytest.mark.slow
@needs_jax
@pytest.mark.parametrize("update", ["parallel", "sequential"])
def test_with_plain_sgd_jax_is_every_other_frameworks_row(update):
    run = RunSettings(1000, update, MAZUR, "float64")
    jax = FRAMEWORKS["jax"].train(run)
    assert np.max(np.abs(jax.losses - train(1000, update).losses)) <= 1e-15
    for framework in ("tensorflow", "keras", "pytorch"):
        if FRAMEWORKS[framework].installed:
            assert distance(jax, FRAMEWORKS[framework].train(run)) <= 1e-14, framework


@needs_jax
def test_a_scan_is_compiled_at_o0_below_the_size_the_benchmark_times_it_at():
    from frameworks.jax_autodiff import FULLY_OPTIMIZED_FROM, compiler_options

    # -O0 compiles 0.1 to 0.2 s sooner; the full optimization runs an iteration
    # 2.5 to 3.5 times faster, which the benchmark holds against TensorFlow's loop
    assert compiler_options(FULLY_OPTIMIZED_FROM - 1) == {"xla_backend_optimization_level": 0}
    assert compiler_options(FULLY_OPTIMIZED_FROM) == {}


@pytest.mark.slow
@needs_jax
def test_an_exponential_schedule_stays_float64_over_300_updates():
    # optax's own count would leave the rate float32: 1.5e-8 off after 300 updates
    settings = Training(
        optimizer=Optimizer.named("momentum", formulas="optax"),
        schedule=Schedule.named("exponential"),
    )
    reference = train(300, "parallel", training=settings)
    assert distance(jax_run(300, "parallel", MAZUR, "float64", settings), reference) <= 1e-14


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------


@pytest.mark.slow
@needs_jax
def test_the_script_prints_the_other_trainers_report_and_json_compiled_once(tmp_path):
    # with JAX's compilation cache as docs/performance.md sets it: the first run
    # writes the compiled scan, the second reads it back and prints the same JSON
    cache = {
        "JAX_COMPILATION_CACHE_DIR": str(tmp_path / "jax"),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    }
    arguments = ("ann_jax.py", "100", "--update", "sequential", "--json")
    done, again = (run_script(*arguments, timeout=120, env=cache) for _ in range(2))
    assert done.returncode == again.returncode == 0, done.stderr + again.stderr
    assert list((tmp_path / "jax").glob("jit_loop-*")) and again.stderr == ""
    assert again.stdout == done.stdout
    document = json.loads(done.stdout)
    # the other scripts' processes are other tests'; here, what they print is enough
    tensorflow = printed(ann_tensorflow.main, ["100", "--update", "sequential", "--json"])
    assert set(document) == set(json.loads(tensorflow))
    assert document["implementation"] == "jax" and document["dtype"] == "float32"
    assert document["optimizer"] == {"name": "sgd", "formulas": "optax"}
    text = printed(ann_jax.main, ["100", "--update", "sequential"])
    assert "jax.vjp carries deltas via new w5..w8" in text
    assert f"loss after 100 updates  {document['final_loss']:.10f}" in text


@needs_jax
def test_an_untrained_networks_final_state_is_its_first_forward_pass():
    """Before any run, final_state evaluates the starting weights (a run's own
    evaluation is part of its compiled loop): NumPy's first forward pass."""
    from frameworks.jax_autodiff import JaxNetwork
    from numpy_ref.network import forward, mean_loss

    x, target, w_hidden, w_output = MAZUR.arrays("float64")
    _, output = forward(x, w_hidden, w_output, *MAZUR.biases("float64"))
    state = JaxNetwork(MAZUR, "float64").final_state()
    np.testing.assert_allclose(state["predictions"], output, rtol=0, atol=1e-15)
    np.testing.assert_allclose(state["loss"], mean_loss(target, output), rtol=0, atol=1e-15)


@pytest.mark.slow
@needs_jax
def test_explain_is_jax_grads_and_agrees_with_the_tutorial():
    done = run_script("ann_jax.py", "--explain", "--dtype", "float64", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Every gradient below is jax.grad's." in done.stdout
    assert "25 of 25 published figures agree" in done.stdout
    # the other order in this process: the command above shows it as a process
    sequential = printed(ann_jax.main, ["--explain", "--update", "sequential"])
    assert "21 of 21 published figures agree" in sequential


@needs_jax
@pytest.mark.parametrize(
    "arguments, problem",
    [
        (["--data", "xor", "--replicas", "2"], "use ann_tensorflow.py --replicas"),
        (["--explain", "--loss", "mse"], "not allowed with argument --explain"),
        (["--optimizer", "adagrad"], "--optimizer"),
        (["--formulas", "keras"], "unrecognized arguments"),
    ],
)
def test_what_it_cannot_do_is_one_line_and_exit_2(arguments, problem):
    assert problem in refused_in_process("ann_jax.py", "10", *arguments)


@pytest.mark.slow
def test_without_jax_every_script_says_what_to_install(tmp_path):
    env = without_package(tmp_path, "jax")
    done = run_script("ann_jax.py", "10", env=env)
    assert done.returncode == 2
    line = one_line(done.stderr)  # "jax" or "jax and optax", as the environment has them
    assert "jax" in line and "not installed: pip install -r requirements-frameworks.txt" in line
    assert run_script("ann_jax.py", "--help", env=env).returncode == 0
    compared = run_script("compare_implementations.py", "10", "--frameworks", "numpy,jax", env=env)
    assert compared.returncode == 2
    assert "jax is not installed" in one_line(compared.stderr)
    # compare_implementations.py without JAX: tests/test_compare.py


@pytest.mark.slow
@needs_jax
def test_logdir_writes_the_runs_scalars(tmp_path):
    from test_tensorboard import read_scalars

    done = run_script("ann_jax.py", "50", "--logdir", str(tmp_path), "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    scalars = read_scalars(document["logged_to"])
    assert sorted(scalars["loss"]) == list(range(1, 52))
    assert scalars["loss"][51] == pytest.approx(document["final_loss"], rel=1e-6)
    assert str(tmp_path) in document["logged_to"] and ROOT not in document["logged_to"]


@pytest.mark.slow
@needs_jax
def test_installation_check_reports_jaxs_gradients():
    import test_installation

    report = []
    assert test_installation.check_jax_gradients(report) == []
    assert report[0].startswith("jax.grad    JAX dE/dw1..dE/dw8 within ")
