"""TensorFlow and Keras, in both update orders, against the NumPy reference."""

import numpy as np
import pytest

from implementations import FRAMEWORKS, IMPLEMENTATIONS
from numpy_ref import MAZUR, Example

#: Every framework row that can run here (an optional framework's where it is installed).
FRAMEWORK_RUNS = [
    (i.framework, i.update)
    for i in IMPLEMENTATIONS
    if not i.is_reference and FRAMEWORKS[i.framework].installed
]


@pytest.mark.slow
@pytest.mark.parametrize("implementation, update", FRAMEWORK_RUNS)
def test_float64_matches_same_order_reference(train_run, implementation, update):
    framework = train_run(implementation, update, "float64")
    reference = train_run("numpy", update, "float64")
    assert framework.implementation == implementation
    assert framework.update == update
    assert framework.losses.dtype == np.float64
    np.testing.assert_allclose(framework.losses, reference.losses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(framework.outputs, reference.outputs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(framework.hidden, reference.hidden, rtol=0, atol=1e-12)
    for name in (
        "hidden_weights",
        "output_weights",
        "final_hidden_weights",
        "final_output_weights",
        "final_prediction",
    ):
        np.testing.assert_allclose(
            getattr(framework, name),
            getattr(reference, name),
            rtol=0,
            atol=1e-12,
            err_msg=name,
        )
    assert framework.final_loss == pytest.approx(reference.final_loss, abs=1e-12, rel=0)


@pytest.mark.slow
@pytest.mark.parametrize("implementation, update", FRAMEWORK_RUNS)
def test_float64_is_far_from_the_other_order(train_run, implementation, update):
    other = "parallel" if update == "sequential" else "sequential"
    framework = train_run(implementation, update, "float64")
    reference = train_run("numpy", other, "float64")
    assert np.max(np.abs(framework.losses - reference.losses)) > 1e-7


#: Those that also compute in float32 (the C# cross-check computes in float64 only).
FLOAT32_RUNS = [run for run in FRAMEWORK_RUNS if "float32" in FRAMEWORKS[run[0]].dtypes]


@pytest.mark.slow
@pytest.mark.parametrize("implementation, update", FLOAT32_RUNS)
def test_float32_run_is_unmistakably_its_own_order(train_run, implementation, update):
    other = "parallel" if update == "sequential" else "sequential"
    loss = train_run(implementation, update, "float32").last_iteration_loss
    own = abs(loss - train_run("numpy", update).last_iteration_loss)
    cross = abs(loss - train_run("numpy", other).last_iteration_loss)
    assert own * 10 <= cross, (own, cross)


@pytest.mark.slow
def test_float32_parallel_runs_of_the_tape_and_keras_are_the_same_numbers(train_run):
    """Both differentiate the same float32 operations (their losses differ by
    factors of 2 only), so their histories agree bit for bit.  A change in how
    one of them computes shows here: a (2,) constant bias, which let
    TensorFlow fuse x @ K + b into one op that rounds differently, had moved
    the tape's last digits."""
    tape = train_run("tensorflow", "parallel", "float32")
    keras = train_run("keras", "parallel", "float32")
    for field in (
        "losses",
        "outputs",
        "hidden_weights",
        "output_weights",
        "final_hidden_weights",
        "final_output_weights",
    ):
        assert np.array_equal(getattr(tape, field), getattr(keras, field)), field


@pytest.mark.slow
def test_frameworks_start_from_the_tutorial_not_the_transposed_weights(train_run):
    for implementation, update in FRAMEWORK_RUNS:
        dtype = FRAMEWORKS[implementation].dtypes[0]  # float32, where it computes in it
        first = train_run(implementation, update, dtype).initial_loss
        assert first == pytest.approx(0.2983711, abs=1e-7, rel=0)
        assert round(first, 7) != 0.3036583


def test_transposition_mistake_gives_the_original_readmes_wrong_first_loss():
    """Feeding W itself as the kernel of x @ K (not W.T): docs/reference-figures.md."""
    from frameworks import tape

    untransposed = Example(
        hidden_weights=tuple(zip(*MAZUR.hidden_weights)),
        output_weights=tuple(zip(*MAZUR.output_weights)),
    )
    # TapeNetwork transposes what it is given: given W.T, it feeds K = W.
    result = tape.train(1, "parallel", untransposed, "float64")
    assert result.initial_loss == pytest.approx(0.3036583, abs=1e-7, rel=0)
    hidden = tape.train(1, "parallel", untransposed, "float64").hidden[0]
    net_h1 = np.log(hidden[0] / (1 - hidden[0]))  # sigmoid^-1(out_h1)
    assert net_h1 == pytest.approx(0.3825, abs=1e-12, rel=0)


def test_half_sse_and_mse_give_the_same_tape_gradients():
    """The original README says reduce_mean changes gradient magnitudes; here it does not."""
    from frameworks.tape import TapeNetwork

    gradients = {}
    for name in ("half-sse", "mse", "sse"):
        network = TapeNetwork(MAZUR, "float64", loss=name)
        gradients[name] = [g.numpy() for g in network.gradients()[0]]
    for half, mean, summed in zip(gradients["half-sse"], gradients["mse"], gradients["sse"]):
        np.testing.assert_allclose(mean, half, rtol=1e-15, atol=0)
        np.testing.assert_allclose(summed, 2 * half, rtol=1e-15, atol=0)
    # and they are the tutorial's dE/dw5..dE/dw8 (kernel = W.T, so transpose back)
    assert gradients["mse"][1].T.ravel() == pytest.approx(
        [0.082167041, 0.08266763, -0.02260254, -0.02274024], abs=1e-8, rel=0
    )


@pytest.mark.slow
def test_mse_run_equals_half_sse_run_and_sse_equals_double_rate():
    from frameworks import tape

    half = tape.train(200, "parallel", MAZUR, "float64", loss="half-sse")
    mean = tape.train(200, "parallel", MAZUR, "float64", loss="mse")
    np.testing.assert_allclose(mean.losses, half.losses, rtol=1e-14, atol=0)
    summed = tape.train(200, "parallel", MAZUR.with_learning_rate(0.25), "float64", loss="sse")
    # sse = 2 E, so lr 0.25 on sse takes the same steps as lr 0.5 on E
    np.testing.assert_allclose(
        summed.final_hidden_weights, half.final_hidden_weights, rtol=0, atol=1e-14
    )
    np.testing.assert_allclose(summed.losses, 2 * half.losses, rtol=1e-13)


def test_tensorflow_sequential_first_step_is_the_tutorials_sequential_figure():
    from frameworks import tape

    result = tape.train(1, "sequential", MAZUR, "float64")
    assert result.final_hidden_weights.ravel() == pytest.approx(
        [0.14981764, 0.19963528, 0.24978819, 0.29957637], abs=1e-8, rel=0
    )


@pytest.mark.slow
@pytest.mark.parametrize("implementation", ["tensorflow", "keras"])
def test_other_learning_rate_in_float64_matches_reference(train_run, implementation):
    # 0.1 is not a float32 number: a float32 learning-rate variable would show here.
    for update in ("parallel", "sequential"):
        framework = train_run(implementation, update, "float64", 50, 0.1)
        reference = train_run("numpy", update, "float64", 50, 0.1)
        np.testing.assert_allclose(framework.losses, reference.losses, rtol=0, atol=1e-15)
        np.testing.assert_allclose(
            framework.final_hidden_weights, reference.final_hidden_weights, atol=1e-15, rtol=0
        )
