"""Numbers at the edges, and messages that name the right cause.

--lr gets float32's range check like every other float option; a CSV cell is
checked against the float type the run computes in, and a target against what
a sigmoid can reach; a decay rate above 1 is refused; the divergence message
quotes the learning rate in force at the update that diverged and names the
option that made it so; hyperparameters are printed with every digit they need.
"""

import json
import re

import pytest
from conftest import PROSE, page, refused_in_process, run_script, section

import ann_jax
import ann_keras
import ann_pytorch
import ann_tensorflow
import compare_implementations
import plot_tensorflow_results as plot
from console.comparison_table import hyperparameters_text
from numpy_ref import MAZUR, train
from numpy_ref.__main__ import SCRIPT as NUMPY_SCRIPT
from numpy_ref.data import DataError, read_csv
from numpy_ref.optimizers import Optimizer
from numpy_ref.result import divergence_message
from numpy_ref.schedules import Schedule
from numpy_ref.training import Training

# --lr in float32 ----------------------------------------------------------------

FLOAT32_COMMANDS = {
    "python -m numpy_ref --dtype float32": (NUMPY_SCRIPT.main, ["10", "--dtype", "float32"]),
    "ann_tensorflow.py": (ann_tensorflow.main, ["10"]),
    "ann_keras.py": (ann_keras.main, ["10"]),
    "ann_pytorch.py": (ann_pytorch.main, ["10"]),
    "ann_jax.py": (ann_jax.main, ["10"]),
    "compare_implementations.py": (compare_implementations.main, ["10"]),
    "plot_tensorflow_results.py": (plot.main, ["--iterations", "10"]),
}


@pytest.mark.parametrize("command", FLOAT32_COMMANDS)
@pytest.mark.parametrize(
    "lr, becomes",
    [
        ("1e-46", "1e-46 becomes 0 in float32, which is not above 0"),
        ("3.5e38", "3.5e+38 becomes inf in float32, which is not finite"),
    ],
)
def test_an_lr_float32_cannot_hold_is_one_line_and_status_2(command, lr, becomes, capsys):
    main, arguments = FLOAT32_COMMANDS[command]
    with pytest.raises(SystemExit) as stopped:
        main([*arguments, "--lr", lr])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    assert error.endswith(
        f": error: argument --lr: {becomes};"
        " use a value float32 can hold, or --dtype float64, which keeps it\n"
    )


def test_float64_keeps_such_a_rate(capsys):
    assert NUMPY_SCRIPT.main(["2", "--lr", "1e-46", "--json"]) == 0  # float64 by default
    assert json.loads(capsys.readouterr().out)["learning_rate"] == 1e-46
    # A picture trains NumPy in float64 and takes no --dtype: float32's range is not its
    assert plot.parse_args(["--network", "--lr", "3.5e38"]).run.example.learning_rate == 3.5e38
    adam = plot.parse_args(["--network", "--optimizer", "adam", "--beta1", "0.99999999"])
    assert adam.run.training.optimizer.hyperparameters["beta1"] == 0.99999999


# CSV cells ---------------------------------------------------------------------


@pytest.mark.slow
def test_a_cell_float32_cannot_hold_names_the_file_line_column_and_what_it_becomes(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("i1,i2,t1,t2\n0,0,0,1\n1e39,0.5,1,0\n")
    what = "i1 is 1e+39, which becomes inf in float32; float64 holds it"
    assert f"`{what}`" in PROSE  # docs/data-and-batches.md
    problem = f"{path}, line 3: {what}"
    with pytest.raises(DataError) as caught:
        read_csv(str(path), "float32")
    assert str(caught.value) == problem
    assert read_csv(str(path)).inputs[1] == (1e39, 0.5)  # float64 holds it
    # Refused before training, in one line: no "training diverged", no RuntimeWarning
    for script in (
        ["-m", "numpy_ref", "--dtype", "float32"],
        ["ann_tensorflow.py"],
        ["ann_keras.py", "--tflite", str(tmp_path / "m.tflite")],
        ["ann_pytorch.py"],
        ["ann_jax.py"],
        ["compare_implementations.py"],
    ):
        line = refused_in_process(*script, "--data", str(path))
        assert line.endswith(f"argument --data: {problem}")
    done = run_script("-m", "numpy_ref", "5", "--data", str(path), "--json")
    assert done.returncode == 0 and done.stderr == ""


@pytest.mark.parametrize(
    "row, problem",
    [
        ("0,0,1.5,0", "t1 is 1.5"),
        ("0,0,0,-0.0000001", "t2 is -1e-07"),
        ("0,0,1.0000001,0", "t1 is 1.0000001"),  # every digit: not "1", which is inside
    ],
)
def test_a_target_a_sigmoid_cannot_reach_is_refused(tmp_path, row, problem):
    path = tmp_path / "targets.csv"
    path.write_text(f"i1,i2,t1,t2\n0,1,1,0\n{row}\n")
    what = f"{problem}, outside [0, 1]: a sigmoid output cannot reach it"
    expected = f"{path}, line 3: {what}"
    if problem == "t1 is 1.5":
        assert f"`{what}`" in PROSE  # docs/data-and-batches.md
    with pytest.raises(DataError) as caught:
        read_csv(str(path))
    assert str(caught.value) == expected
    line = refused_in_process("-m", "numpy_ref", "--data", str(path))
    assert line.endswith(f"--data: {expected}")


def test_targets_of_0_and_1_and_inputs_outside_them_are_data(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("i1,i2,t1,t2\n-3,7,0,1\n1,0,1,0\n")
    assert read_csv(str(path)).targets == ((0.0, 1.0), (1.0, 0.0))


# A decay rate above 1 ------------------------------------------------------------

GROWS = "is above 1: the rate lr0 R^(k/S) would grow with every update instead of decaying"


@pytest.mark.parametrize(
    "main",
    [NUMPY_SCRIPT.main, ann_tensorflow.main, ann_keras.main, ann_pytorch.main, ann_jax.main],
)
def test_a_decay_rate_above_1_is_refused(main, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["10", "--lr-schedule", "exponential", "--decay-rate", "1.0000001"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"argument --decay-rate: 1.0000001 {GROWS}" in error
    with pytest.raises(ValueError, match=re.escape(f"decay_rate 2 {GROWS}")):
        Schedule.named("exponential", 10, 2.0)


def test_a_decay_rate_of_1_keeps_the_rate(capsys):
    assert NUMPY_SCRIPT.main(["3", "--lr-schedule", "exponential", "--decay-rate", "1"]) == 0
    assert Schedule.named("exponential", 10, 1.0).rate(0.5, 7, "float64") == 0.5


# The divergence message --------------------------------------------------------


def test_a_decayed_rate_is_quoted_as_it_was_at_the_update_that_diverged(capsys):
    arguments = ["--optimizer", "adam", "--lr", "1e308", "--lr-schedule", "exponential"]
    assert NUMPY_SCRIPT.main(["10", *arguments, "--decay-rate", "0.5"]) == 1
    # iteration 4's forward pass is the first with update 3's weights: lr0 R^(2/S)
    rate = 1e308 * 0.5 ** (2 / 10)
    shown = (
        f"(learning rate {rate:g} at update 3, from --lr 1e+308 by --lr-schedule"
        " exponential); try a smaller --lr"
    )
    assert capsys.readouterr().err == (
        "error: training diverged: the loss or weights became NaN or infinite at iteration 4"
        f" {shown}\n"
    )
    assert f"`{shown}`" in page("when-things-go-wrong.md")


def test_a_rate_float32_rounds_up_is_not_taken_for_a_schedule(capsys):
    # float32 makes 3e38 3.0000000054977558e+38: still the --lr given, at a constant rate
    arguments = ["50", "--dtype", "float32", "--lr", "3e38", "--optimizer", "rmsprop"]
    assert NUMPY_SCRIPT.main(arguments) == 1
    assert capsys.readouterr().err == (
        "error: training diverged: the loss or weights became NaN or infinite at iteration 2"
        " (learning rate 3e+38); try a smaller --lr\n"
    )


PENALTY_GROWS = "lr * l2 is above 1, so the penalty alone makes every weight grow"


@pytest.mark.slow
@pytest.mark.parametrize("script", [["-m", "numpy_ref"], ["ann_tensorflow.py"]])
def test_a_penalty_that_diverges_is_named_not_the_rate(script):
    done = run_script(*script, "10", "--l2", "1e30", "--dtype", "float32")
    assert done.returncode == 1
    assert done.stderr.startswith("error: training diverged: the loss or weights became NaN")
    shown = f"(learning rate 0.5 with --l2 1e+30: {PENALTY_GROWS}); try a smaller --l2"
    assert done.stderr.endswith(f" {shown}\n")
    assert f"`{shown}`" in page("when-things-go-wrong.md")


@pytest.mark.slow
@pytest.mark.parametrize(
    "optimizer, bound",
    [
        ("sgd", 1.0),
        ("momentum", 1.9),
        ("nesterov", 1.9 / 2.8),
    ],  # mu 0.9: 1 + mu, (1 + mu)/(1 + 2 mu)
)
def test_the_penalty_is_blamed_exactly_beyond_its_stable_bound(optimizer, bound):
    """lr l2 just below the bound the L2 term alone allows trains; just above, diverges."""
    lr = MAZUR.learning_rate

    def run(lr_l2):
        training = Training(optimizer=Optimizer.named(optimizer), l2=lr_l2 / lr)
        # 3% beyond the bound, the loss overflows at update 12163 (SGD), 2389
        # (momentum), 8619 (Nesterov)
        return train(15_000, "parallel", training=training)

    assert not run(0.97 * bound).diverged
    message = divergence_message(run(1.03 * bound))
    assert f"lr * l2 is above {bound:.3g}, so the penalty alone" in message
    assert f"{bound:.3g}" in section(page("when-things-go-wrong.md"), "A run that diverged")
    assert message.endswith("; try a smaller --l2")


def test_adam_is_not_made_to_grow_by_a_penalty():
    training = Training(optimizer=Optimizer.named("adam"), l2=200.0)  # lr l2 = 100
    assert not train(2000, "parallel", training=training).diverged


def test_a_schedule_that_raised_the_rate_is_named():
    # The command line refuses a decay rate above 1; the library's message still says so.
    growing = Training(schedule=Schedule("exponential", 1, 1e30))
    assert divergence_message(train(20, "parallel", training=growing)).endswith(
        " at iteration 13 (learning rate inf at update 12, raised from --lr 0.5 by"
        " --lr-schedule exponential --decay-rate 1e+30); try a smaller --decay-rate"
    )


def test_an_infinite_penalty_names_the_option_given():
    def message(**penalty):
        return divergence_message(train(1, "parallel", training=Training(**penalty)))

    assert message(l1=1e300).endswith("became infinite; try a smaller --l1")
    assert message(l1=1e300, l2=1e-300).endswith("became infinite; try a smaller --l1 or --l2")
    shown = message(l2=1e300).removeprefix("error: training diverged: ")
    assert shown == "the penalty l1 sum|w| + l2 sum w^2 became infinite; try a smaller --l2"
    assert f"`{shown}`" in page("when-things-go-wrong.md")


# Every digit of a hyperparameter --------------------------------------------------------


def test_hyperparameters_are_printed_with_every_digit_they_need(capsys):
    adam = Optimizer.named("adam", beta1=0.99999999)
    assert adam.describe() == "adam (beta1 0.99999999, beta2 0.999, epsilon 1e-07)"
    assert hyperparameters_text(adam.to_json()) == "beta1=0.99999999 beta2=0.999 epsilon=1e-07"
    arguments = ["2", "--lr", "0.50000001", "--optimizer", "adam", "--beta1", "0.99999999"]
    assert NUMPY_SCRIPT.main(arguments) == 0
    report = capsys.readouterr().out
    assert "  learning rate   0.50000001\n" in report
    assert "  optimizer       adam (beta1 0.99999999, beta2 0.999, epsilon 1e-07)\n" in report
