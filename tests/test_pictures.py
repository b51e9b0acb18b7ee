"""The pictures of one reference run: network.png, gradients.png, training.gif.

Each is drawn from numpy_ref in float64 (no TensorFlow); the numbers written on them are
checked against its own runs and, at iteration 1, the tutorial's at its printed precision.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import PROSE, ROOT, run_script

import plot_tensorflow_results as plot
from console.explain import PUBLISHED, PUBLISHED_HIDDEN_UPDATE, agrees
from figures import animation, gradient_sizes, network
from figures.network_diagram import NEGATIVE, POSITIVE, WEIGHT_EDGES
from figures.style import tutorial_number, write_picture
from numpy_ref import MAZUR
from numpy_ref.first_iteration import first_iteration
from numpy_ref.trainers import train, unwatched
from numpy_ref.training import PLAIN_SGD

WEIGHT_NAMES = [f"w{k}" for k in range(1, 9)]


def written_numbers(figure):
    """{name: the text after 'name = '} for every 'name = value' line on the figure."""
    numbers = {}
    for ax in figure.get_axes():
        texts = [ax.get_title(), *(text.get_text() for text in ax.texts)]
        for line in (line for text in texts for line in text.splitlines()):
            for part in line.split(":"):
                if " = " in part:
                    name, value = part.strip().rsplit(" = ", 1)
                    numbers[name.split()[-1]] = value.split()[0]
    return numbers


def network_numbers(update, iteration=1, iterations=1000, example=MAZUR):
    pictures, _ = network.network_picture(iterations, iteration, update, example, PLAIN_SGD)
    figure = pictures[network.FILE]
    return figure, written_numbers(figure)


@pytest.fixture(scope="module")
def parallel_network():
    return network_numbers("parallel")


def test_the_network_at_iteration_1_shows_every_tutorial_figure(parallel_network):
    _, numbers = parallel_network
    published = {**PUBLISHED, **PUBLISHED_HIDDEN_UPDATE["parallel"]}
    for name, figure in published.items():
        assert name in numbers, name
        assert agrees(float(numbers[name]), figure), (name, numbers[name], figure)
    assert len(published) == 25


def test_the_network_shows_the_tutorial_inputs_weights_and_biases(parallel_network):
    _, numbers = parallel_network
    assert {name: numbers[name] for name in ("i1", "i2", "b1", "b2", *WEIGHT_NAMES)} == {
        "i1": "0.05",
        "i2": "0.1",
        "b1": "0.35",
        "b2": "0.6",
        "w1": "0.15",
        "w2": "0.2",
        "w3": "0.25",
        "w4": "0.3",
        "w5": "0.4",
        "w6": "0.45",
        "w7": "0.5",
        "w8": "0.55",
    }


def test_the_sequential_network_shows_the_new_hidden_weights_of_its_order():
    _, numbers = network_numbers("sequential")
    it = first_iteration("sequential")
    for k in range(4):
        assert numbers[f"w{k + 1}+"] == tutorial_number(it.new_w_hidden.ravel()[k])


def test_iteration_k_shows_that_iteration_of_the_reference_run():
    k = 250
    figure, numbers = network_numbers("sequential", iteration=k, iterations=300)
    result = train(300, "sequential", MAZUR, "float64")
    before = np.concatenate(
        [result.hidden_weights[k - 1].ravel(), result.output_weights[k - 1].ravel()]
    )
    after = np.concatenate([result.hidden_weights[k].ravel(), result.output_weights[k].ravel()])
    for name, w, w_new in zip(WEIGHT_NAMES, before, after):
        assert numbers[name] == tutorial_number(w)
        assert numbers[f"{name}+"] == tutorial_number(w_new)
    assert numbers["out_o1"] == tutorial_number(result.outputs[k - 1, 0])
    assert numbers["E_total"] == tutorial_number(result.losses[k - 1])
    assert f"Iteration {k} of 300" in figure.get_axes()[0].get_title()


def test_edge_width_and_colour_follow_the_weight():
    figure, numbers = network_numbers("parallel", iteration=1000)
    arrows = figure.get_axes()[0].patches[: len(WEIGHT_EDGES)]
    weights = [float(numbers[edge.name]) for edge in WEIGHT_EDGES]
    widths = [arrow.get_linewidth() for arrow in arrows]
    assert np.argsort(widths).tolist() == np.argsort(np.abs(weights)).tolist()
    from matplotlib.colors import to_rgba

    for arrow, w in zip(arrows, weights):
        assert arrow.get_edgecolor()[:3] == to_rgba(POSITIVE if w >= 0 else NEGATIVE)[:3]
    assert min(weights) < 0  # after 1000 updates w5 and w6 are negative


@pytest.mark.slow
def test_the_gradient_ratio_at_iteration_1_is_the_tutorials():
    pictures, lines = gradient_sizes.gradients_picture(1000, MAZUR, PLAIN_SGD, unwatched)
    hidden = [float(PUBLISHED[f"dE/dw{k}"]) for k in range(1, 5)]
    output = [float(PUBLISHED[f"dE/dw{k}"]) for k in range(5, 9)]
    ratio = np.linalg.norm(hidden) / np.linalg.norm(output)
    assert lines[0].startswith(
        f"parallel: hidden / output gradient size {ratio:.4g} at iteration 1"
    )
    assert [line.split(":")[0] for line in lines] == ["parallel"] * 2 + ["sequential"] * 2
    figure = pictures[gradient_sizes.FILE]
    axes = figure.get_axes()
    assert len(axes) == 4
    assert [ax.get_yscale() for ax in axes[:3]] == ["log"] * 3
    assert all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in axes)


def test_weight_gradients_are_those_the_updates_used():
    from figures.runs import weight_gradients

    result, gradients = weight_gradients(20, "parallel", MAZUR, PLAIN_SGD, range(1, 21))
    assert gradients.shape == (20, 8)
    # plain SGD: w+ = w - lr dE/dw, so dE/dw = (w - w+) / lr
    moved = np.concatenate(
        [result.hidden_weights[:, None].reshape(20, 4), result.output_weights.reshape(20, 4)],
        axis=1,
    )
    np.testing.assert_allclose(gradients[:-1], (moved[:-1] - moved[1:]) / 0.5, rtol=0, atol=1e-15)


@pytest.mark.parametrize("iterations", [1, 7, 30, 1000, 100000])
def test_frames_are_log_spaced_distinct_from_1_to_n(iterations):
    frames = animation.frame_iterations(iterations)
    assert frames[0] == 1 and frames[-1] == iterations
    assert len(frames) == len(set(frames)) == min(animation.FRAMES, iterations)
    assert frames == sorted(frames)
    if iterations >= 1000:  # log spacing: the middle frame near sqrt(N), not N / 2
        assert frames[len(frames) // 2] < iterations**0.65


@pytest.mark.slow
def test_the_animation_is_a_gif_of_at_least_30_frames_under_5_mb_the_same_every_time(tmp_path):
    # Made twice in one test: as two tests sharing a fixture, each worker that ran one
    # of them made it too.
    from PIL import Image

    for name in ("one.gif", "two.gif"):
        pictures, lines = animation.animation_picture(
            1000, "sequential", MAZUR, PLAIN_SGD, unwatched
        )
        write_picture(pictures[animation.FILE], str(tmp_path / name))
    path = tmp_path / "one.gif"
    assert path.read_bytes() == (tmp_path / "two.gif").read_bytes()
    assert os.path.getsize(path) <= 5 * 1024 * 1024
    with Image.open(path) as image:
        assert image.format == "GIF"
        assert image.n_frames >= 30
        assert image.size == (800, 448)
    assert lines[0].startswith(f"{animation.FRAMES} frames, iterations 1 to 1000")


@pytest.mark.slow
def test_a_picture_is_the_same_bytes_every_time(tmp_path):
    for name in ("one.png", "two.png"):
        write_picture(network_numbers("parallel")[0], str(tmp_path / name))
    assert (tmp_path / "one.png").read_bytes() == (tmp_path / "two.png").read_bytes()


@pytest.mark.slow
# (--animate: tests/test_readme.py runs the README's command, which writes it alone)
@pytest.mark.parametrize(
    "picture, file", [("--network", "network.png"), ("--gradients", "gradients.png")]
)
def test_each_picture_is_written_by_the_script(tmp_path, capsys, picture, file):
    assert plot.main([picture, "--iterations", "40", "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {tmp_path / file}\n")
    assert os.listdir(tmp_path) == [file]


def test_pictures_take_the_data_and_optimizer_options(tmp_path, capsys):
    assert (
        plot.main(
            [
                "--network",
                "--data",
                "xor",
                "--train-biases",
                "--batch-size",
                "2",
                "--optimizer",
                "adam",
                "--lr",
                "0.1",
                "--iteration",
                "3",
                "--out-dir",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "iteration 3, parallel update" in out


def test_a_picture_that_cannot_be_written_keeps_nothing_and_exits_1(tmp_path, capsys, monkeypatch):
    def full_disk(picture, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plot, "write_picture", full_disk)
    assert plot.main(["--network", "--out-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == f"error: cannot write {tmp_path / 'network.png'}: No space left on device\n"
    assert os.listdir(tmp_path) == []


def test_a_picture_that_cannot_be_put_in_place_still_prints_what_it_found(
    tmp_path, capsys, monkeypatch
):
    from dataclasses import replace

    picture = plot.PICTURES["network"]

    def drawn_then_blocked(settings):
        (tmp_path / "network.png").mkdir()  # after the command line was checked
        return picture.draw(settings)

    monkeypatch.setitem(plot.PICTURES, "network", replace(picture, draw=drawn_then_blocked))
    assert plot.main(["--network", "--out-dir", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert printed.out == "iteration 1, parallel update: E_total = 0.298371109\n"
    assert printed.err == f"error: cannot write {tmp_path / 'network.png'}: Is a directory\n"
    assert os.listdir(tmp_path) == ["network.png"]  # the folder, and no partial file


@pytest.mark.slow
def test_a_ratio_of_two_zero_gradients_is_not_a_number_but_says_so(tmp_path):
    # at lr 1e39 the sigmoids saturate after one update: every gradient is 0; 0 / 0 no ratio
    done = run_script(
        "plot_tensorflow_results.py",
        "--gradients",
        "--lr",
        "1e39",
        "--iterations",
        "5",
        "--out-dir",
        str(tmp_path),
        timeout=120,
    )
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    for update in ("parallel", "sequential"):
        (line,) = [line for line in lines if line.startswith(f"{update}: hidden / output")]
        assert line.endswith(", n/a (both gradients are 0) at iteration 5"), line
    assert "nan" not in done.stdout
    assert "the line says `n/a (both gradients are 0)`" in PROSE  # docs/pictures.md
    assert gradient_sizes.ratio_text(float("inf")) == "inf"  # only the output layer's is 0


@pytest.mark.slow
@pytest.mark.parametrize("iteration", ["1", "8"])
def test_huge_weights_draw_without_a_word_on_stderr(tmp_path, iteration):
    # |w| near float64's largest: an edge's width, 6 |w| / largest |w|, overflowed to
    # inf when multiplied first, and matplotlib warned on stderr
    done = run_script(
        "plot_tensorflow_results.py",
        "--network",
        "--iteration",
        iteration,
        "--lr",
        "1e308",
        "--optimizer",
        "momentum",
        "--momentum",
        "0.99",
        "--out-dir",
        str(tmp_path),
        timeout=120,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(f"wrote {tmp_path / 'network.png'}\n")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--network", "--iteration", "0"], "argument --iteration: must be at least 1, not 0"),
        (
            ["--network", "--iteration", "1001"],
            "argument --iteration: 1001 is beyond --iterations 1000",
        ),
        (
            ["--network", "--iterations", "10", "--iteration", "11"],
            "argument --iteration: 11 is beyond --iterations 10",
        ),
        (
            ["--network", "--iteration", "one"],
            "argument --iteration: must be a whole number, not 'one'",
        ),
        (["--network", "--iteration", "nan"], "argument --iteration: must be a whole number"),
        (["--network", "--iteration", "5_0"], "argument --iteration: must be a whole number"),
        (
            ["--network", "--iterations", "\u0663"],
            "argument --iterations: iterations must be a whole number",
        ),
        (["--iteration", "3"], "argument --iteration: only allowed with argument --network"),
        (["--animate", "--iteration", "3"], "argument --iteration: not used by --animate"),
        (["--network", "--dtype", "float32"], "argument --dtype: not used by --network"),
        (["--gradients", "--update", "sequential"], "argument --update: not used by --gradients"),
        (["--graph", "--data", "xor"], "argument --data: not used by --graph"),
        (["--graph", "--iterations", "5"], "argument --iterations: not used by --graph"),
        (["--network", "--verbose"], "argument --verbose: not used by --network"),
        (["--network", "--gradients"], "argument --gradients: not allowed with argument --network"),
        (["--study", "--animate"], "argument --study: not allowed with argument --animate"),
        (
            ["--update", "sequential"],
            "argument --update: only allowed with argument --network or --animate",
        ),
        (
            ["--train-biases"],
            "argument --train-biases: only allowed with argument --network,"
            " --animate or --gradients",
        ),
        (
            ["--network", "--data", "missing.csv"],
            "argument --data: missing.csv: No such file or directory",
        ),
    ],
)
def test_a_bad_picture_option_is_one_line_and_exit_2(args, words):
    done = run_script("-X", "importtime", "plot_tensorflow_results.py", *args, timeout=60)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert len(lines) == 1 and words in lines[0], done.stderr
    imported = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert not imported & {"tensorflow", "matplotlib"}


@pytest.mark.slow
def test_ctrl_c_while_the_animation_is_written_leaves_no_file(tmp_path):
    out_dir = tmp_path / "new"  # created for the GIF, and gone again after the Ctrl-C
    child = subprocess.Popen(
        [
            sys.executable,
            "plot_tensorflow_results.py",
            "--animate",
            "--iterations",
            "3000",
            "--out-dir",
            str(out_dir),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not (
        out_dir.exists() and any(name.startswith(".partial-") for name in os.listdir(out_dir))
    ):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert err.decode().strip() == "interrupted: stopped before the end, nothing was written"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "picture", [["--network", "--iteration", "5"], ["--animate"], ["--gradients"]]
)
def test_a_diverged_run_draws_nothing_and_is_one_line(tmp_path, capsys, picture):
    assert (
        plot.main(
            [
                *picture,
                "--optimizer",
                "adam",
                "--lr",
                "1e308",
                "--iterations",
                "5",
                "--out-dir",
                str(tmp_path),
            ]
        )
        == 1
    )
    assert capsys.readouterr().err == (
        "error: training diverged: the loss or weights became NaN or infinite at iteration 4"
        " (learning rate 1e+308); try a smaller --lr\n"
    )
    assert os.listdir(tmp_path) == []


def test_huge_numbers_are_written_in_e_notation():
    assert tutorial_number(-4.385677e304) == "-4.385677e+304"
    assert tutorial_number(float("inf")) == "inf"
    assert tutorial_number(9999.5) == "9999.5"


def test_a_one_iteration_run_draws_every_point_and_counts_in_the_singular():
    pictures, lines = gradient_sizes.gradients_picture(1, MAZUR, PLAIN_SGD, unwatched)
    for ax in pictures[gradient_sizes.FILE].get_axes()[:3]:
        assert all(line.get_marker() == "o" for line in ax.get_lines())
    assert "in 1 update w1..w4 moved 0.000219 to 0.000498" in lines[1]
    assert (
        pictures[gradient_sizes.FILE]
        ._suptitle.get_text()
        .startswith("Gradient sizes over 1 iteration,")
    )


def test_a_batch_picture_says_whose_numbers_it_shows():
    from dataclasses import replace

    from numpy_ref.data import XOR_DATA

    example = replace(MAZUR, data=XOR_DATA)
    figure, _ = network_numbers("parallel", example=example)
    title = figure.get_axes()[0].get_title()
    assert (
        "batch loss = 0.322880044, the mean E of its 4 samples; neurons: the batch's"
        " first sample; dE/dw: the whole batch's"
    ) in title
