"""plot_tensorflow_results.py: two complete PNGs of four panels each, or nothing."""

import os
import struct

import pytest
from conftest import one_line, run_script, without_package

import plot_tensorflow_results as plot
from figures.comparison import build_figures
from figures.runs import DRAWN, log_spaced
from figures.style import write_figure
from implementations import FRAMEWORKS, IMPLEMENTATIONS
from implementations.settings import RunSettings

#: The figures' run: plain SGD, so the NumPy reference of torch.optim's formulas is Keras's.
SGD = RunSettings(200, dtype="float32")


@pytest.fixture(scope="module")
def figures():
    from implementations import run_all

    return build_figures(run_all(SGD))


def png_size(path):
    with open(path, "rb") as stream:
        header = stream.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@pytest.mark.slow
def test_each_figure_has_four_labelled_panels(figures):
    assert sorted(figures) == ["tensorflow_keras_comparison.png", "training_dynamics.png"]
    for figure in figures.values():
        axes = figure.get_axes()
        assert len(axes) == 4
        for ax in axes:
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
            labels = [text.get_text() for text in ax.get_legend().get_texts()]
            assert labels and len(labels) == len(set(labels)), labels


@pytest.mark.slow
def test_lines_differ_in_style_not_only_colour(figures):
    """In greyscale, line style and width must tell every line of a panel apart."""
    for figure in figures.values():
        for ax in figure.get_axes():
            lines = [line for line in ax.get_lines() if not line.get_label().startswith("target")]
            looks = {(line.get_linestyle(), line.get_linewidth()) for line in lines}
            assert len(looks) == len(lines), ax.get_title()


@pytest.mark.slow
def test_comparison_panels_show_the_runs(figures):
    loss_ax = figures["tensorflow_keras_comparison.png"].get_axes()[0]
    assert loss_ax.get_yscale() == "log"
    trained = [i for i in IMPLEMENTATIONS if FRAMEWORKS[i.framework].installed and i.needed(SGD)]
    assert len(loss_ax.get_lines()) == len(trained)  # 8 with PyTorch, 6 without
    rounding_ax = figures["tensorflow_keras_comparison.png"].get_axes()[3]
    assert rounding_ax.get_yscale() == "log"
    assert len(rounding_ax.get_lines()) == len([i for i in trained if not i.is_reference])


@pytest.mark.slow
def test_written_pngs_are_whole_and_of_the_expected_size(figures, tmp_path):
    for name, figure in figures.items():
        write_figure(figure, str(tmp_path / name))
        assert png_size(tmp_path / name) == (1000, 800)
    assert sorted(os.listdir(tmp_path)) == sorted(figures)


@pytest.mark.slow
def test_a_failed_write_leaves_nothing_behind(figures, tmp_path, monkeypatch):
    figure = figures["training_dynamics.png"]

    def broken_savefig(path, **kwargs):
        with open(path, "wb") as stream:
            stream.write(b"\x89PNG half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(figure, "savefig", broken_savefig)
    with pytest.raises(OSError):
        write_figure(figure, str(tmp_path / "training_dynamics.png"))
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_main_creates_the_folder_and_writes_both(tmp_path, capsys):
    out_dir = tmp_path / "new" / "figures"
    assert plot.main(["--iterations", "50", "--out-dir", str(out_dir), "--verbose"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        f"wrote {out_dir / name}"
        for name in ("tensorflow_keras_comparison.png", "training_dynamics.png")
    ]
    for name in os.listdir(out_dir):
        assert png_size(out_dir / name) == (1000, 800)


def test_unwritable_output_folder_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = run_script(
        "plot_tensorflow_results.py", "--out-dir", str(blocker / "figures"), timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot create output folder" in done.stderr
    assert not (tmp_path / "figures").exists()


@pytest.mark.parametrize(
    "args, file",
    [
        ([], "tensorflow_keras_comparison.png"),
        ([], "training_dynamics.png"),
        (["--network"], "network.png"),
        (["--animate"], "training.gif"),
        (["--gradients"], "gradients.png"),
        (["--graph"], "computation_graph.png"),
        (["--study"], "update_order_study.png"),
        (["--study", "--optimizer", "adam"], "update_order_study_adam.png"),
        (["--study", "--data", "xor"], "xor_study.png"),
    ],
)
def test_a_folder_where_a_figure_goes_is_refused_before_anything_trains(tmp_path, args, file):
    out_dir = tmp_path / "out"
    (out_dir / file).mkdir(parents=True)
    # without matplotlib: a refusal that came after training would end in "not installed"
    done = run_script(
        "plot_tensorflow_results.py",
        *args,
        "--out-dir",
        str(out_dir),
        env=without_package(tmp_path, "matplotlib"),
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert one_line(done.stderr).endswith(
        f"argument --out-dir: cannot write {out_dir / file}: it is a folder"
    )
    assert os.listdir(out_dir) == [file]


def test_a_figure_that_cannot_be_written_after_training_loses_nothing_else(
    tmp_path, capsys, monkeypatch
):
    from matplotlib.figure import Figure

    out_dir = tmp_path / "out"

    def trained(settings):  # the two figures, and a folder where the first goes
        (out_dir / "tensorflow_keras_comparison.png").mkdir(parents=True)
        figures = {name: Figure() for name in plot.files_asked(settings)}
        return figures, ["what the run found"]

    monkeypatch.setattr(plot, "pictures_asked", trained)
    assert plot.main(["--out-dir", str(out_dir)]) == 1
    printed = capsys.readouterr()
    assert printed.out == f"wrote {out_dir / 'training_dynamics.png'}\nwhat the run found\n"
    assert printed.err == (
        f"error: cannot write {out_dir / 'tensorflow_keras_comparison.png'}: Is a directory\n"
    )
    assert sorted(os.listdir(out_dir)) == [
        "tensorflow_keras_comparison.png",
        "training_dynamics.png",
    ]
    assert png_size(out_dir / "training_dynamics.png") == (640, 480)  # Figure()'s, whole


@pytest.mark.parametrize("iterations", [1, 1000, DRAWN, DRAWN + 1, 5000, 100000])
def test_a_curve_draws_every_iteration_up_to_its_points_then_at_least_as_many_log_spaced(
    iterations,
):
    drawn = log_spaced(iterations, DRAWN)
    if iterations <= DRAWN:
        assert drawn == list(range(1, iterations + 1))
    else:
        assert len(drawn) == len(set(drawn)) >= DRAWN and drawn == sorted(drawn)
        assert drawn[0] == 1 and drawn[-1] == iterations
    if iterations >= 10 * DRAWN:  # log spacing: the middle point far below N / 2
        assert drawn[len(drawn) // 2] < iterations / 10
