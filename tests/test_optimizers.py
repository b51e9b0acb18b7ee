"""Optimizers, schedules, --until-loss and penalties: every framework against the NumPy formulas.

The NumPy reference writes Keras 3's optimizers out operation for operation
(numpy_ref/optimizers.py); TensorFlow and Keras use Keras's own.  In float64
they must agree to 1e-12 on every iteration's loss and the final weights, in
both update orders; in float32 each run must be ten times nearer its own
order than the other.
"""

import json
import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import ann_keras
import ann_tensorflow
import compare_implementations
from console.comparison import distance
from console.study import run_with_baseline, verdict
from frameworks import keras_model, tape
from frameworks.common import WeightPenalty, exact, keras_floatx
from implementations import other_order
from numpy_ref import MAZUR, train
from numpy_ref.__main__ import SCRIPT as NUMPY_SCRIPT
from numpy_ref.optimizers import OPTIMIZERS, Optimizer, Schedule, Training
from numpy_ref.study import StudySettings, order_effect, rate_grid

ITERATIONS = 200

#: Each optimizer runs in every one of these settings: (learning rate, Training fields).
#: Together they cover every schedule, --until-loss reached and not reached,
#: both penalties, and two learning rates.
SETTINGS = {
    "constant, lr 0.5": (0.5, {}),
    "constant, lr 0.05": (0.05, {}),
    "exponential, until-loss": (0.5, {"schedule": Schedule.named("exponential", 100, 0.5),
                                      "until_loss": 1e-4}),
    "cosine, l1": (0.5, {"schedule": Schedule.named("cosine"), "l1": 1e-3}),
    "exponential, l2, lr 0.05": (0.05, {"schedule": Schedule.named("exponential"),
                                        "l2": 1e-3}),
}
FRAMEWORK_MODULES = {"tensorflow": tape, "keras": keras_model}


def training(optimizer, setting):
    learning_rate, fields = SETTINGS[setting]
    return MAZUR.with_learning_rate(learning_rate), Training(
        optimizer=Optimizer.named(optimizer), **fields)


@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_frameworks_compute_the_numpy_formulas(setting, optimizer, update):
    example, settings = training(optimizer, setting)
    reference = train(ITERATIONS, update, example, training=settings)
    other = train(ITERATIONS, other_order(update), example, training=settings)
    for name, module in FRAMEWORK_MODULES.items():
        exact_run = module.train(ITERATIONS, update, example, "float64", training=settings)
        assert exact_run.stopped_at == reference.stopped_at, name
        assert exact_run.updates == reference.updates, name
        assert distance(exact_run, reference) <= 1e-12, name
        rounded = module.train(ITERATIONS, update, example, "float32", training=settings)
        assert distance(rounded, reference) * 10 <= distance(rounded, other), name


def test_until_loss_stops_without_the_update_and_reports_it():
    settings = Training(until_loss=1e-3)
    result = train(5000, "sequential", training=settings)
    k = result.stopped_at
    assert result.losses[k - 1] < 1e-3 <= result.losses[k - 2]
    assert (result.recorded, result.updates, result.iterations) == (k, k - 1, 5000)
    assert result.final_loss == result.last_iteration_loss == result.losses[-1]
    np.testing.assert_array_equal(result.final_output_weights, result.output_weights[-1])
    document = result.to_json()
    assert (document["updates"], document["stopped_at"], document["until_loss"]) == (
        k - 1, k, 1e-3)
    never = train(100, "sequential", training=settings)
    assert (never.stopped_at, never.updates, never.to_json()["stopped_at"]) == (None, 100, None)


@pytest.mark.parametrize("module", [keras_model, tape], ids=["keras", "tensorflow"])
def test_until_loss_stops_at_exactly_that_iteration_across_executions(module):
    # Keras runs 1000 steps per execution; the stop comes in the second one.
    # TensorFlow compiles with XLA from 5000 iterations: the stop is inside it.
    reference = train(6000, "sequential", training=Training(until_loss=1e-3))
    assert 1000 < reference.stopped_at < 2000
    run = module.train(6000, "sequential", MAZUR, "float64", training=Training(until_loss=1e-3))
    assert (run.stopped_at, run.updates) == (reference.stopped_at, reference.updates)
    assert distance(run, reference) <= 1e-12


def test_first_adam_step_by_hand():
    """w5's first Adam step, from the tutorial's forward pass, in plain Python."""
    sigmoid = lambda net: 1 / (1 + math.exp(-net))  # noqa: E731
    h1 = sigmoid(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    h2 = sigmoid(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    o1 = sigmoid(0.40 * h1 + 0.45 * h2 + 0.60)
    g5 = (o1 - 0.01) * o1 * (1 - o1) * h1  # dE/dw5 = 0.082167041
    m = 0.1 * g5  # m = 0 + (g - 0)(1 - 0.9)
    v = 0.001 * g5 ** 2  # v = 0 + (g^2 - 0)(1 - 0.999)
    alpha = 0.5 * math.sqrt(1 - 0.999) / (1 - 0.9)  # 0.158113883
    w5_new = 0.40 - alpha * m / (math.sqrt(v) + 1e-7)
    assert round(g5, 9) == 0.082167041 and round(alpha, 9) == 0.158113883
    assert round(w5_new, 9) == -0.099980758  # a step of lr·(1 - tiny): Adam's first step is ±lr

    adam = Training(optimizer=Optimizer.named("adam"))
    for update in ("parallel", "sequential"):
        result = train(1, update, training=adam)
        assert result.final_output_weights[0, 0] == pytest.approx(w5_new, abs=1e-15)
        for module in FRAMEWORK_MODULES.values():
            run = module.train(1, update, MAZUR, "float64", training=adam)
            assert run.final_output_weights[0, 0] == pytest.approx(w5_new, abs=1e-15)

    text = NUMPY_SCRIPT.explain_text("parallel", optimizer=Optimizer.named("adam"))
    assert "alpha (w5)         0.158113883" in text
    assert "= 0.5·sqrt(1 - 0.999^1) / (1 - 0.9^1)" in text
    assert "w5+               -0.099980758" in text
    assert "17 of 17 published figures agree" in text


@pytest.mark.parametrize("script", [ann_tensorflow.SCRIPT, ann_keras.SCRIPT],
                         ids=["tensorflow", "keras"])
@pytest.mark.parametrize("optimizer", ["momentum", "rmsprop", "adam"])
def test_framework_explanations_show_their_own_updated_weights(script, optimizer):
    chosen = Optimizer.named(optimizer)
    ours = script.explain_document("sequential", optimizer=chosen)
    reference = NUMPY_SCRIPT.explain_document("sequential", optimizer=chosen)
    values = lambda document: {v["name"]: v["value"]  # noqa: E731
                               for section in document["sections"] for v in section["values"]}
    mine, theirs = values(ours), values(reference)
    assert set(mine) <= set(theirs)  # NumPy also shows dE/dout_h
    assert {"m (w5)", "w1+", "w8+"} <= set(mine) if optimizer != "rmsprop" else True
    for name in mine:
        assert mine[name] == pytest.approx(theirs[name], abs=1e-12), name
    assert ours["published_checked"] == ours["published_agree"] == 17


def test_python_float_constants_reach_keras_rounded_to_float32():
    """The trap the frameworks avoid: Keras casts a Python float through float32."""
    settings = Training(optimizer=Optimizer.named("adam"))
    example = MAZUR.with_learning_rate(0.05)
    reference = train(300, "parallel", example, training=settings)

    def adam_run(constant):
        network = tape.TapeNetwork(example, "float64", training=settings)
        with keras_floatx("float64"):
            network.optimizer = keras.optimizers.Adam(
                learning_rate=0.05, beta_1=constant(0.9), beta_2=constant(0.999),
                epsilon=constant(1e-7))
        network.optimizer.build([network.hidden_kernel, network.output_kernel])
        history, _ = network.fit(300, "parallel")
        return np.abs(history["losses"] - reference.losses).max()

    assert adam_run(float) > 1e-9  # beta_1 reaches the update as 0.89999997615814209
    assert adam_run(lambda value: exact(value, "float64")) < 1e-15

    w = tf.constant([1.0], tf.float64)
    assert float(keras.regularizers.L2(1e-3)(w)) == float(np.float32(1e-3)) != 1e-3
    assert float(WeightPenalty(l2=1e-3)(w)) == 1e-3


BAD_COMMAND_LINES = [
    (["--optimizer", "adamw"], "argument --optimizer: invalid choice"),
    (["--optimizer", "adam", "--momentum", "0.5"], "--momentum: not used by --optimizer adam"),
    (["--rho", "0.9"], "--rho: not used by --optimizer sgd"),
    (["--optimizer", "momentum", "--momentum", "1"], "--momentum: must be in [0, 1)"),
    (["--optimizer", "momentum", "--momentum", "-0.1"], "--momentum: must be in [0, 1)"),
    (["--optimizer", "rmsprop", "--rho", "nan"], "--rho: must be a finite number"),
    (["--optimizer", "adam", "--beta1", "1.0"], "--beta1: must be in [0, 1)"),
    (["--optimizer", "adam", "--beta2", "inf"], "--beta2: must be a finite number"),
    (["--optimizer", "adam", "--epsilon", "0"], "--epsilon: must be a finite number above 0"),
    (["--lr-schedule", "step"], "argument --lr-schedule: invalid choice"),
    (["--lr-schedule", "cosine", "--decay-steps", "0"], "--decay-steps: must be at least 1"),
    (["--lr-schedule", "exponential", "--decay-rate", "0"], "--decay-rate: must be a finite"),
    (["--lr-schedule", "cosine", "--decay-rate", "0.5"], "--decay-rate: not used by"),
    (["--decay-steps", "10"], "--decay-steps: not used by --lr-schedule constant"),
    (["--until-loss", "-1"], "--until-loss: must be a finite number above 0"),
    (["--until-loss", "nan"], "--until-loss: must be a finite number above 0, not nan"),
    (["--until-loss", "low"], "--until-loss: must be a number, not 'low'"),
    (["--l1", "-0.1"], "--l1: must be 0 or above"),
    (["--l2", "inf"], "--l2: must be a finite number"),
    (["--explain", "--until-loss", "0.1"], "--until-loss: not allowed with argument --explain"),
]


@pytest.mark.parametrize("script", ["-m numpy_ref", "ann_tensorflow.py", "ann_keras.py"])
@pytest.mark.parametrize("arguments, message", BAD_COMMAND_LINES,
                         ids=[" ".join(a) for a, _ in BAD_COMMAND_LINES])
def test_bad_optimizer_options_are_one_line_and_status_2(script, arguments, message, capsys):
    main = {"-m numpy_ref": NUMPY_SCRIPT.main, "ann_tensorflow.py": ann_tensorflow.main,
            "ann_keras.py": ann_keras.main}[script]
    with pytest.raises(SystemExit) as stopped:
        main(arguments)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error, error


def test_bad_optimizer_options_are_refused_before_tensorflow_is_imported(tmp_path):
    from conftest import run_script, without_package

    blocked = without_package(tmp_path, "tensorflow")
    finished = run_script("ann_keras.py", "--optimizer", "adam", "--momentum", "0.5",
                          env=blocked)
    assert finished.returncode == 2
    assert finished.stderr == ("ann_keras.py: error: argument --momentum: not used by"
                               " --optimizer adam (it takes --beta1, --beta2, --epsilon)\n")


def test_json_holds_every_setting_in_effect(capsys):
    arguments = ["300", "--optimizer", "rmsprop", "--rho", "0.8", "--lr-schedule",
                 "exponential", "--decay-rate", "0.5", "--until-loss", "1e-3", "--l2", "1e-4",
                 "--lr", "0.05", "--json"]
    assert NUMPY_SCRIPT.main(arguments) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["optimizer"] == {"name": "rmsprop", "rho": 0.8, "epsilon": 1e-7}
    assert document["lr_schedule"] == {"name": "exponential", "decay_steps": 300,
                                       "decay_rate": 0.5}
    assert (document["until_loss"], document["l1"], document["l2"]) == (1e-3, 0.0, 1e-4)
    assert document["iterations"] == 300
    assert document["updates"] == document["stopped_at"] - 1
    assert document["final_loss"] == document["last_iteration_loss"] < 1e-3
    weights = [*sum(document["weights"]["hidden"], []), *sum(document["weights"]["output"], [])]
    assert document["final_penalty"] == pytest.approx(1e-4 * sum(w * w for w in weights),
                                                      rel=1e-12)
    plain = json.loads(_printed(capsys, NUMPY_SCRIPT.main, ["10", "--json"]))
    assert (plain["optimizer"], plain["lr_schedule"], plain["until_loss"]) == (
        {"name": "sgd"}, {"name": "constant"}, None)
    assert (plain["updates"], plain["stopped_at"], plain["final_penalty"]) == (10, None, 0.0)


def _printed(capsys, main, arguments):
    assert main(arguments) == 0
    return capsys.readouterr().out


def test_report_names_what_differs_from_plain_sgd(capsys):
    text = _printed(capsys, ann_tensorflow.main, [
        "3000", "--optimizer", "nesterov", "--momentum", "0.5", "--lr-schedule", "cosine",
        "--until-loss", "1e-3", "--l1", "1e-5"])
    assert "  optimizer       nesterov (momentum 0.5)" in text
    assert "  lr schedule     cosine: lr = lr0 · 1/2 (1 + cos(pi · min(k, S)/S)), S = 3000" in text
    assert "  stop            at the first iteration whose loss is below 0.001" in text
    assert "  trained loss    E + 1e-05 sum|w| + 0 sum w^2 (loss below: E alone)" in text
    assert re.search(r"\n  stopped +at iteration \d+, loss below 0.001\n", text)
    plain = _printed(capsys, ann_tensorflow.main, ["10"])
    assert "optimizer" not in plain and "stopped" not in plain


def test_compare_one_optimizer_prints_the_six_row_table(capsys):
    text = _printed(capsys, compare_implementations.main,
                    ["200", "--optimizer", "adam", "--dtype", "float64"])
    assert text.startswith("Mazur's 2-2-2 network, 200 iterations, learning rate 0.5, adam"
                           " (beta1 0.9, beta2 0.999, epsilon 1e-07)")
    assert text.count("matches NumPy") == 4


def test_compare_every_optimizer_one_row_each(capsys):
    text = _printed(capsys, compare_implementations.main, ["200", "--optimizer", "all",
                                                           "--momentum", "0.5"])
    rows = [line.split() for line in text.splitlines()
            if line.split()[:1] and line.split()[0] in OPTIMIZERS]
    table = [row for row in rows if row[1] in ("parallel", "sequential")]
    assert [(row[0], row[1]) for row in table] == [
        (name, update) for name in OPTIMIZERS for update in ("sequential", "parallel")]
    document = json.loads(_printed(capsys, compare_implementations.main,
                                   ["200", "--optimizer", "all", "--momentum", "0.5", "--json"]))
    assert len(document["rows"]) == 10
    for row, line in zip(document["rows"], table):
        reference = train(200, row["update"], training=Training(
            optimizer=Optimizer.named(row["optimizer"]["name"],
                                      **({"momentum": 0.5} if "momentum" in row["optimizer"]
                                         else {}))))
        assert row["last_iteration_loss"] == reference.last_iteration_loss
        below = np.flatnonzero(reference.losses < 1e-3)
        assert row["updates_to_reach"] == (int(below[0]) if below.size else None)
        assert line[3] == str(row["updates_to_reach"] or "never")
        assert row["max_framework_distance"] < 1e-3
    assert {row["optimizer"]["name"]: row["optimizer"] for row in document["rows"]}[
        "nesterov"]["momentum"] == 0.5
    csv_text = _printed(capsys, compare_implementations.main,
                        ["200", "--optimizer", "all", "--csv"])
    assert csv_text.splitlines()[0] == ("optimizer,hyperparameters,update,last_iteration_loss,"
                                        "final_loss,updates_to_reach,max_framework_distance,"
                                        "framework_dtype,data,samples,batch_size,train_biases,"
                                        "init,seed")
    assert len(csv_text.splitlines()) == 11
    assert csv_text.splitlines()[-1].startswith("adam,beta1=0.9 beta2=0.999 epsilon=1e-07,")


def test_study_under_an_optimizer_is_held_against_sgd():
    settings = StudySettings(learning_rates=rate_grid(Optimizer.named("adam"), 4),
                             optimizer=Optimizer.named("adam"), starts=20, seed=1)
    summaries, baseline = run_with_baseline(settings)
    assert [s.learning_rate for s in summaries] == pytest.approx([0.001, 0.01, 0.1, 1.0])
    text = verdict(summaries, settings, baseline)
    effect, sgd_effect = order_effect(summaries), order_effect(baseline)
    word = "more" if effect > sgd_effect else "less"
    assert (f"by {100 * effect:.2f}% of parallel's on average under adam, against"
            f" {100 * sgd_effect:.2f}% under plain SGD") in " ".join(text.split())
    assert f"the order matters {word} under adam than under SGD" in " ".join(text.split())


def test_study_refuses_every_optimizer_at_once(capsys):
    with pytest.raises(SystemExit) as stopped:
        compare_implementations.main(["--study", "--optimizer", "all"])
    assert stopped.value.code == 2
    assert "--study takes one optimizer" in capsys.readouterr().err


@pytest.mark.parametrize("arguments, message", [
    (["--optimizer", "adam", "--beta1", "0.99999999"],
     "--beta1: 0.99999999 becomes 1 in float32, which is not below 1"),
    (["--optimizer", "rmsprop", "--epsilon", "1e300"],
     "--epsilon: 1e+300 becomes inf in float32, which is not above 0"),
    (["--until-loss", "1e-50"], "--until-loss: 1e-50 becomes 0 in float32"),
    (["--l2", "1e300"], "--l2: 1e+300 becomes inf in float32, which is not finite"),
])
def test_values_float32_cannot_hold_are_refused_in_a_float32_run(arguments, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        ann_tensorflow.main(["10", *arguments])  # float32 by default
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error, error
    if "--optimizer" in arguments:  # compare_implementations.py takes the optimizer's options
        with pytest.raises(SystemExit):
            compare_implementations.main(["10", *arguments])
        assert message in capsys.readouterr().err


def test_float64_holds_what_float32_cannot(capsys):
    assert NUMPY_SCRIPT.main(["5", "--optimizer", "adam", "--beta1", "0.99999999",
                              "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["optimizer"]["beta1"] == 0.99999999


def test_an_overflowing_penalty_is_divergence_in_one_line(capsys):
    assert NUMPY_SCRIPT.main(["1", "--l2", "1e300", "--json"]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == ("error: training diverged: the penalty l1 sum|w| + l2 sum w^2"
                           " became infinite; try a smaller --l1 or --l2\n")


@pytest.mark.parametrize("arguments, message", [
    (["--lr-schedule", "cosine", "--decay-steps", "18446744073709551616"],
     "--decay-steps: must be at most 1000000000000000"),
    (["--l2", "-1e-300"], "--l2: must be 0 or above, not -1e-300"),
    (["--optimizer", "momentum", "--momentum", "-inf"], "--momentum: must be a finite number"),
])
def test_extreme_spellings_get_the_options_own_message(arguments, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        NUMPY_SCRIPT.main(arguments)
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_minus_zero_reads_as_zero(capsys):
    assert NUMPY_SCRIPT.main(["2", "--l1", "-0", "--json"]) == 0
    assert "-0" not in json.dumps(json.loads(capsys.readouterr().out)["l1"])


def test_a_diverged_run_names_its_optimizer():
    from dataclasses import replace

    from numpy_ref.result import divergence_among

    adam = train(2, "parallel", training=Training(optimizer=Optimizer.named("adam")))
    line = divergence_among([replace(adam, final_loss=float("nan"))])
    assert line.endswith("[numpy, parallel, adam]")
    plain = replace(train(2, "parallel"), final_loss=float("nan"))
    assert divergence_among([plain]).endswith("[numpy, parallel]")


def test_a_signal_while_python_shuts_down_is_ignored(monkeypatch):
    """Python's finalization drops Python-level handlers; SIG_IGN stays."""
    import signal

    from console import startup

    monkeypatch.setattr(startup, "running_a_project_script", lambda: True)
    saved = {signum: signal.getsignal(signum) for signum in startup.EARLY_EXIT}
    try:
        startup.quiet_when_done(0)
        assert all(signal.getsignal(signum) == signal.SIG_IGN for signum in saved)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_a_zero_penalty_stays_zero_for_huge_weights():
    """0 * inf would be NaN: a huge weight squared must not make a run with no
    penalty look diverged."""
    huge = np.array([[1e300, -1e300], [1e300, 1e300]])
    assert Training().penalty(huge, huge) == 0.0
    assert Training(l1=0.5).penalty(huge, huge) == 4e300
