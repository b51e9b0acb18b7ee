"""The optimizer options on the command line, and what the scripts print under them.

--optimizer and its hyperparameters, --lr-schedule, --until-loss, --l1 and
--l2: what each script refuses, in one line with status 2 (values float32
cannot hold included); the JSON, the report, compare_implementations.py's
table and the study under an optimizer; a divergence names its optimizer.
"""

import json
import re

import numpy as np
import pytest
from conftest import printed, sharing_runs

import ann_keras
import ann_tensorflow
import compare_implementations
from console.study import run_with_baseline, verdict
from implementations import FRAMEWORKS, IMPLEMENTATIONS
from implementations.settings import RunSettings
from numpy_ref import train
from numpy_ref.__main__ import SCRIPT as NUMPY_SCRIPT
from numpy_ref.optimizers import OPTIMIZERS, Optimizer
from numpy_ref.study import StudySettings, order_effect, rate_grid
from numpy_ref.training import Training

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
@pytest.mark.parametrize(
    "arguments, message", BAD_COMMAND_LINES, ids=[" ".join(a) for a, _ in BAD_COMMAND_LINES]
)
def test_bad_optimizer_options_are_one_line_and_status_2(script, arguments, message, capsys):
    main = {
        "-m numpy_ref": NUMPY_SCRIPT.main,
        "ann_tensorflow.py": ann_tensorflow.main,
        "ann_keras.py": ann_keras.main,
    }[script]
    with pytest.raises(SystemExit) as stopped:
        main(arguments)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error, error


def test_bad_optimizer_options_are_refused_before_tensorflow_is_imported(tmp_path):
    from conftest import run_script, without_package

    blocked = without_package(tmp_path, "tensorflow")
    finished = run_script("ann_keras.py", "--optimizer", "adam", "--momentum", "0.5", env=blocked)
    assert finished.returncode == 2
    assert finished.stderr == (
        "ann_keras.py: error: argument --momentum: not used by"
        " --optimizer adam (it takes --beta1, --beta2, --epsilon)\n"
    )


def test_json_holds_every_setting_in_effect(capsys):
    arguments = [
        "300",
        "--optimizer",
        "rmsprop",
        "--rho",
        "0.8",
        "--lr-schedule",
        "exponential",
        "--decay-rate",
        "0.5",
        "--until-loss",
        "1e-3",
        "--l2",
        "1e-4",
        "--lr",
        "0.05",
        "--json",
    ]
    assert NUMPY_SCRIPT.main(arguments) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["optimizer"] == {
        "name": "rmsprop",
        "formulas": "keras",
        "rho": 0.8,
        "epsilon": 1e-7,
    }
    assert document["lr_schedule"] == {"name": "exponential", "decay_steps": 300, "decay_rate": 0.5}
    assert (document["until_loss"], document["l1"], document["l2"]) == (1e-3, 0.0, 1e-4)
    assert document["iterations"] == 300
    assert document["updates"] == document["stopped_at"] - 1
    assert document["final_loss"] == document["last_iteration_loss"] < 1e-3
    weights = [*sum(document["weights"]["hidden"], []), *sum(document["weights"]["output"], [])]
    assert document["final_penalty"] == pytest.approx(1e-4 * sum(w * w for w in weights), rel=1e-12)
    plain = json.loads(printed(NUMPY_SCRIPT.main, ["10", "--json"]))
    assert (plain["optimizer"], plain["lr_schedule"], plain["until_loss"]) == (
        {"name": "sgd", "formulas": "keras"},
        {"name": "constant"},
        None,
    )
    assert (plain["updates"], plain["stopped_at"], plain["final_penalty"]) == (10, None, 0.0)


@pytest.mark.slow
def test_report_names_what_differs_from_plain_sgd():
    text = printed(
        ann_tensorflow.main,
        [
            "3000",
            "--optimizer",
            "nesterov",
            "--momentum",
            "0.5",
            "--lr-schedule",
            "cosine",
            "--until-loss",
            "1e-3",
            "--l1",
            "1e-5",
        ],
    )
    assert "  optimizer       nesterov (momentum 0.5)" in text
    assert "  lr schedule     cosine: lr = lr0 · 1/2 (1 + cos(pi · min(k, S)/S)), S = 3000" in text
    assert "  stop            at the first iteration whose loss is below 0.001" in text
    assert "  trained loss    E + 1e-05 sum|w| + 0 sum w^2 (loss below: E alone)" in text
    assert re.search(r"\n  stopped +at iteration \d+, loss below 0.001\n", text)
    plain = printed(ann_tensorflow.main, ["10"])
    assert "optimizer" not in plain and "stopped" not in plain


@pytest.mark.slow
def test_compare_one_optimizer_prints_the_six_row_table():
    text = printed(
        compare_implementations.main, ["200", "--optimizer", "adam", "--dtype", "float64"]
    )
    assert text.startswith(
        "Mazur's 2-2-2 network, 200 iterations, learning rate 0.5, adam"
        " (beta1 0.9, beta2 0.999, epsilon 1e-07)"
    )
    run = RunSettings(200, dtype="float64", training=Training(optimizer=Optimizer.named("adam")))
    frameworks = [i for i in IMPLEMENTATIONS if not i.is_reference]
    assert text.count("matches NumPy") == sum(i.needed(run) for i in frameworks)


@pytest.mark.slow
@sharing_runs()  # the table's JSON and CSV: the table's training (every_optimizer_table)
def test_compare_every_optimizer_one_row_each(every_optimizer_table):
    text, sent = every_optimizer_table
    # every optimizer's Keras runs on a backend go in one request
    assert sent == [
        (backend, 2 * len(OPTIMIZERS))
        for backend in ("jax", "torch")
        if FRAMEWORKS[f"keras-{backend}"].installed
    ]
    rows = [
        line.split()
        for line in text.splitlines()
        if line.split()[:1] and line.split()[0] in OPTIMIZERS
    ]
    table = [row for row in rows if row[1] in ("parallel", "sequential")]
    assert [(row[0], row[1]) for row in table] == [
        (name, update) for name in OPTIMIZERS for update in ("sequential", "parallel")
    ]
    document = json.loads(
        printed(compare_implementations.main, ["1000", "--optimizer", "all", "--json"])
    )
    assert len(document["rows"]) == 10
    for row, line in zip(document["rows"], table):
        reference = train(1000, row["update"], training=optimizer_of(row))
        assert row["last_iteration_loss"] == reference.last_iteration_loss
        below = np.flatnonzero(reference.losses < 1e-3)
        assert row["updates_to_reach"] == (int(below[0]) if below.size else None)
        assert line[3] == str(row["updates_to_reach"] or "never")
        assert row["max_framework_distance"] < 1e-3
        if row["optimizer"]["name"] != "rmsprop" and row["max_pytorch_distance"] is not None:
            assert row["max_pytorch_distance"] < 1e-3  # torch.optim's RMSprop bounces
        if row["max_jax_distance"] is not None:
            assert row["max_jax_distance"] < 1e-3
    csv_text = printed(compare_implementations.main, ["1000", "--optimizer", "all", "--csv"])
    assert csv_text.splitlines()[0] == (
        "optimizer,hyperparameters,update,last_iteration_loss,"
        "final_loss,updates_to_reach,max_framework_distance,max_pytorch_distance,"
        "max_jax_distance,framework_dtype,data,samples,batch_size,train_biases,"
        "init,seed"
    )
    assert len(csv_text.splitlines()) == 11
    assert csv_text.splitlines()[-1].startswith("adam,beta1=0.9 beta2=0.999 epsilon=1e-07,")


def optimizer_of(row):
    """The Training of a JSON row's optimizer: Optimizer.to_json's record read back,
    its formulas and every hyperparameter it names."""
    hyperparameters = dict(row["optimizer"])
    name, formulas = hyperparameters.pop("name"), hyperparameters.pop("formulas")
    return Training(optimizer=Optimizer.named(name, formulas=formulas, **hyperparameters))


@pytest.mark.slow
def test_every_optimizer_takes_the_momentum_given_where_it_has_one():
    arguments = [
        "200",
        "--optimizer",
        "all",
        "--momentum",
        "0.5",
        "--frameworks",
        "numpy,tensorflow",
    ]
    document = json.loads(printed(compare_implementations.main, [*arguments, "--json"]))
    momenta = {
        row["optimizer"]["name"]: row["optimizer"].get("momentum") for row in document["rows"]
    }
    assert momenta == {"sgd": None, "momentum": 0.5, "nesterov": 0.5, "rmsprop": None, "adam": None}
    for row in document["rows"]:
        reference = train(200, row["update"], training=optimizer_of(row))
        assert row["last_iteration_loss"] == reference.last_iteration_loss
        assert row["max_framework_distance"] < 1e-3


@pytest.mark.slow
def test_study_under_an_optimizer_is_held_against_sgd():
    settings = StudySettings(
        learning_rates=rate_grid(Optimizer.named("adam"), 4),
        optimizer=Optimizer.named("adam"),
        starts=20,
        seed=1,
    )
    summaries, baseline = run_with_baseline(settings)
    assert [s.learning_rate for s in summaries] == pytest.approx([0.001, 0.01, 0.1, 1.0])
    text = verdict(summaries, settings, baseline)
    effect, sgd_effect = order_effect(summaries), order_effect(baseline)
    word = "more" if effect > sgd_effect else "less"
    assert (
        f"by {100 * effect:.2f}% of parallel's on average under adam, against"
        f" {100 * sgd_effect:.2f}% under plain SGD"
    ) in " ".join(text.split())
    assert f"the order matters {word} under adam than under SGD" in " ".join(text.split())


def test_study_refuses_every_optimizer_at_once(capsys):
    with pytest.raises(SystemExit) as stopped:
        compare_implementations.main(["--study", "--optimizer", "all"])
    assert stopped.value.code == 2
    assert "--study takes one optimizer" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ["--optimizer", "adam", "--beta1", "0.99999999"],
            "--beta1: 0.99999999 becomes 1 in float32, which is not below 1",
        ),
        (
            ["--optimizer", "rmsprop", "--epsilon", "1e300"],
            "--epsilon: 1e+300 becomes inf in float32, which is not finite",
        ),
        (["--until-loss", "1e-50"], "--until-loss: 1e-50 becomes 0 in float32"),
        (["--l2", "1e300"], "--l2: 1e+300 becomes inf in float32, which is not finite"),
    ],
)
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
    assert NUMPY_SCRIPT.main(["5", "--optimizer", "adam", "--beta1", "0.99999999", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["optimizer"]["beta1"] == 0.99999999


def test_an_overflowing_penalty_is_divergence_in_one_line(capsys):
    assert NUMPY_SCRIPT.main(["1", "--l2", "1e300", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "error: training diverged: the penalty l1 sum|w| + l2 sum w^2"
        " became infinite; try a smaller --l2\n"
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ["--lr-schedule", "cosine", "--decay-steps", "18446744073709551616"],
            "--decay-steps: must be at most 1000000000000000",
        ),
        (["--l2", "-1e-300"], "--l2: must be 0 or above, not -1e-300"),
        (["--optimizer", "momentum", "--momentum", "-inf"], "--momentum: must be a finite number"),
    ],
)
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
