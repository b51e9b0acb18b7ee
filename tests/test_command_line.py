"""The scripts as a user runs them: --json, bad input, divergence, a quiet stderr."""

import json

import pytest
from conftest import finished, one_line, printed, refused_in_process, run_script

BAD_INPUTS = {
    "abc": (["abc"], "whole number"),
    "negative": (["-5"], "from 1 to"),
    "zero": (["0"], "from 1 to"),
    "lr zero": (["10", "--lr", "0"], "--lr: must be a finite number above 0"),
    "lr nan": (["10", "--lr", "nan"], "--lr: must be a finite number above 0"),
    "lr negative": (["10", "--lr", "-1"], "--lr: must be a finite number above 0"),
    "lr text": (["10", "--lr", "fast"], "--lr: must be a number"),
    "dtype": (["10", "--dtype", "float16"], "--dtype"),
    "update": (["10", "--update", "both"], "--update"),
    "unknown flag": (["10", "--bogus"], "unrecognized"),
}


#: Every command and the bad inputs it takes: (command, case names).
TRAINER_CASES = sorted(BAD_INPUTS)
COMMAND_CASES = [
    (("ann_tensorflow.py",), TRAINER_CASES),
    (("ann_keras.py",), TRAINER_CASES),
    (("-m", "numpy_ref"), TRAINER_CASES),
    (("compare_implementations.py",), [c for c in TRAINER_CASES if c != "update"]),
]
OPTION_BAD_INPUTS = {
    "abc": (["--iterations", "abc"], "whole number"),
    "zero": (["--iterations", "0"], "from 1 to"),
    "lr nan": (["--lr", "nan"], "--lr"),
    "dtype": (["--dtype", "float16"], "--dtype"),
    "unknown flag": (["--bogus"], "unrecognized"),
}


def assert_one_line_exit_2(done, words):
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert words in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [command for command, _ in COMMAND_CASES])
def test_bad_input_is_one_line_and_exit_2(command):
    # one bad input run as the process a user starts; every one is read below
    args, words = BAD_INPUTS["lr nan"]
    assert_one_line_exit_2(run_script(*command, *args, timeout=60), words)


@pytest.mark.parametrize(
    "command, case",
    [(command, case) for command, cases in COMMAND_CASES for case in cases],
)
def test_every_bad_input_is_refused_by_the_command_line_reader(command, case):
    args, words = BAD_INPUTS[case]
    assert words in refused_in_process(*command, *args)


def test_plot_bad_input_is_one_line_and_exit_2():
    args, words = OPTION_BAD_INPUTS["lr nan"]
    assert_one_line_exit_2(run_script("plot_tensorflow_results.py", *args, timeout=60), words)


@pytest.mark.parametrize("case", sorted(OPTION_BAD_INPUTS))
def test_every_plot_bad_input_is_refused_by_the_command_line_reader(case):
    args, words = OPTION_BAD_INPUTS[case]
    assert words in refused_in_process("plot_tensorflow_results.py", *args)


def test_installation_check_bad_input_is_one_line_and_exit_2():
    assert_one_line_exit_2(
        run_script("test_installation.py", "--bogus", timeout=60), "unrecognized"
    )


@pytest.mark.parametrize("script", ["compare_implementations.py", "plot_tensorflow_results.py"])
@pytest.mark.parametrize(
    "args, words",
    [
        (["--threshold", "0"], "--threshold"),
        (["--threshold", "nan"], "--threshold"),
        (["--seed", "-1"], "--seed"),
        (["--starts", "many"], "--starts"),
        (["--max-iterations", "0"], "--max-iterations"),
    ],
)
def test_study_bad_input_is_refused_by_the_command_line_reader(script, args, words):
    assert words in refused_in_process(script, "--study", *args)


@pytest.mark.parametrize("script", ["compare_implementations.py", "plot_tensorflow_results.py"])
def test_study_bad_input_is_one_line_and_exit_2(script):
    assert_one_line_exit_2(run_script(script, "--study", "--seed", "-1", timeout=60), "--seed")


def test_compare_json_and_csv_exclude_each_other():
    assert_one_line_exit_2(
        run_script("compare_implementations.py", "--json", "--csv", timeout=60),
        "not allowed with",
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["--save", "/no/such/folder/model.keras"], "the folder /no/such/folder does not exist"),
        (["--save", "model.h5"], "must end in .keras"),
    ],
)
def test_keras_bad_save_path(args, words):
    done = run_script("ann_keras.py", "10", *args, timeout=60)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert words in done.stderr


@pytest.mark.parametrize(
    "module",
    [
        "ann_tensorflow",
        "ann_keras",
        "compare_implementations",
        "plot_tensorflow_results",
        "test_installation",
        "numpy_ref.__main__",
    ],
)
def test_help_and_bad_input_never_import_tensorflow(module):
    code = (
        "import sys\n"
        f"import {module}\n"
        "for argv in (['--help'], ['abc']):\n"
        "    try:\n"
        f"        {module}.main(argv)\n"
        "    except SystemExit as stop:\n"
        "        print('EXIT', stop.code)\n"
        "print('TF', 'tensorflow' in sys.modules)\n"
    )
    done = run_script("-c", code, timeout=60)
    assert "EXIT 0" in done.stdout and "EXIT 2" in done.stdout
    assert "TF False" in done.stdout
    assert "usage:" in done.stdout  # the --help text


@pytest.mark.slow
@pytest.mark.parametrize(
    "script, update, reference_loss",
    [
        ("ann_tensorflow.py", "parallel", 0.0011157856),
        ("ann_keras.py", "sequential", 0.0011153760),
    ],
)
def test_json_output(script, update, reference_loss):
    done = run_script(script, "1000", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # TensorFlow's start-up log is kept off the screen
    document = json.loads(done.stdout)
    for field in (
        "implementation",
        "update",
        "dtype",
        "learning_rate",
        "iterations",
        "initial_loss",
        "last_iteration_loss",
        "final_loss",
        "prediction",
        "weights",
    ):
        assert field in document
    assert document["update"] == update
    assert document["dtype"] == "float32"
    assert document["iterations"] == 1000
    assert document["learning_rate"] == 0.5
    assert document["initial_loss"] == pytest.approx(0.2983711, abs=1e-7, rel=0)
    assert document["last_iteration_loss"] == pytest.approx(reference_loss, abs=1e-8, rel=0)
    assert document["final_loss"] < document["last_iteration_loss"]
    assert len(document["prediction"]) == 2
    assert len(document["weights"]["hidden"]) == 2
    assert len(document["weights"]["output"][1]) == 2


@pytest.mark.slow
def test_plain_output_names_the_figures():
    # printed in this process: test_json_output runs the script as a process
    import ann_tensorflow

    out = printed(ann_tensorflow.main, ["100", "--update", "sequential", "--dtype", "float64"])
    assert "update order    sequential" in out
    assert "iteration   1   loss 0.2983711088" in out
    assert "loss at iteration 100" in out and "loss after 100 updates" in out
    assert "w1 = 0.15000000" in out  # initial weights
    assert all(len(line) <= 80 for line in out.splitlines())


@pytest.mark.slow
# ann_tensorflow.py's divergence in this process: ann_keras.py's is a process
@pytest.mark.parametrize(
    "script, as_process", [("ann_tensorflow.py", False), ("ann_keras.py", True)]
)
def test_diverging_run_says_so(script, as_process):
    # float32 holds 3e38, and RMSprop's first step of about lr overflows the weights
    arguments = ["50", "--lr", "3e38", "--optimizer", "rmsprop"]
    status, stdout, stderr = finished(script, arguments, as_process=as_process)
    assert status == 1
    assert stdout == ""
    assert "diverged" in one_line(stderr)


@pytest.mark.slow
def test_keras_save_from_the_command_line(tmp_path):
    path = tmp_path / "trained.keras"
    done = run_script("ann_keras.py", "50", "--json", "--save", str(path))
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["saved_to"] == str(path)
    code = (
        "import json, numpy, ann_keras\n"
        f"model = ann_keras.load_model({str(path)!r})\n"
        "print(json.dumps(model.predict(numpy.array([[0.05, 0.10]]), verbose=0)[0].tolist()))\n"
    )
    loaded = run_script("-c", code)
    assert loaded.returncode == 0, loaded.stderr
    prediction = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert prediction == pytest.approx(document["prediction"], abs=1e-7, rel=0)


@pytest.mark.parametrize(
    "args, line",
    [
        (["-1e-3"], "argument ITERATIONS: iterations must be a whole number, not '-1e-3'"),
        (["5", "--lr", "-1e-3"], "argument --lr: must be a finite number above 0, not -1e-3"),
        (["5", "--l2", "-inf"], "argument --l2: must be a finite number, not -inf"),
    ],
)
def test_a_negative_number_reaches_the_type_that_refuses_it(args, line):
    """argparse alone would take '-1e-3' and '-inf' for unknown options."""
    done = run_script("-m", "numpy_ref", *args)
    assert done.returncode == 2
    assert done.stderr == f"python -m numpy_ref: error: {line}\n"
