"""Every figure the README shows is one the code computes now.

The comparison table, the figures' descriptions, the explanation excerpt,
the study's verdict, the benchmark, the exit statuses and the pictures; the
optimizer and XOR sections are test_readme_optimizers.py.
"""

import contextlib
import io
import os
import re

import numpy as np
import pytest
from conftest import (
    DOCS,
    NUMBER,
    PROSE,
    README,
    ROOT,
    numbers_in,
    page,
    shared_run_all,
    sharing_runs,
    shown_block,
    shown_blocks,
    shows_every_framework,
)

import compare_implementations
from numpy_ref import MAZUR, train


@pytest.fixture(scope="module")
def printed_table():
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), sharing_runs():
        assert compare_implementations.main(["1000", "--verbose"]) == 0
    return buffer.getvalue().rstrip("\n")


@pytest.mark.slow
@shows_every_framework
def test_readme_table_is_what_the_script_prints(printed_table):
    shown = shown_block("output of: python compare_implementations.py 1000").splitlines()
    now = printed_table.splitlines()
    assert len(shown) == len(now)
    for old, new in zip(shown, now):
        # NumPy rows and all text are exact; float32 framework digits may move
        # in the last place on another CPU, so those numbers get a tolerance.
        assert NUMBER.sub("#", old) == NUMBER.sub("#", new), (old, new)
        if old.startswith("NumPy"):
            assert old == new
        for a, b in zip(numbers_in(old), numbers_in(new)):
            assert a == pytest.approx(b, rel=0.5, abs=1e-8), (old, new)


def test_readme_commands_are_the_two_that_do_everything():
    assert "pip install -r requirements.txt && python compare_implementations.py 1000" in README
    assert "pip install -r requirements-dev.txt && python -m pytest" in README
    ci = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read()
    assert "pip install -r requirements-dev.txt && python -m pytest" in ci


def test_readme_figure_descriptions_hold():
    sequential, parallel = train(1000, "sequential"), train(1000, "parallel")
    gap = sequential.losses - parallel.losses
    assert "-1.7e-5 at its widest, near iteration 36" in PROSE
    assert f"{gap.min():.1e}" == "-1.7e-05" and int(np.argmin(gap)) + 1 == 36
    assert "0.593 to 0.601 for h1" in PROSE
    assert f"{sequential.hidden[0, 0]:.3f}" == "0.593"
    assert f"{sequential.hidden[-1, 0]:.3f}" == "0.601"
    w5, w7 = sequential.final_output_weights[:, 0]
    assert round(w5) == -3 and round(w7) == 2
    split = sequential.hidden_weights - parallel.hidden_weights
    assert "by up to about 0.003" in PROSE
    assert split.min() >= 0 and 0.0025 < split.max() < 0.0035


@pytest.mark.slow
def test_readme_rounding_claims_hold():
    from implementations.settings import RunSettings

    # the figure's panel is the loss's distance, not the table's max |Δ| (which
    # also takes in the final weights)
    runs = shared_run_all(RunSettings(1000, dtype="float32"))
    reference = {i.update: r.losses for i, r in runs if i.is_reference}
    worst = max(
        float(np.max(np.abs(r.losses - reference[i.update]))) for i, r in runs if not i.is_reference
    )
    assert worst < 1e-7
    assert "never above 1e-7" in PROSE


@pytest.mark.slow
def test_readme_order_gaps_hold():
    assert "lower by 4.1e-7 (0.0011153760 against 0.0011157856); at 10000 by 1.7e-8" in PROSE
    gap = (
        train(10000, "parallel").last_iteration_loss
        - train(10000, "sequential").last_iteration_loss
    )
    assert f"{gap:.1e}" == "1.7e-08"


def test_readme_explain_excerpt_is_what_the_script_prints():
    from console.explain import format_explanation
    from console.explain_sections import numpy_sections

    printed = format_explanation("t", numpy_sections("sequential"), "sequential").splitlines()
    excerpt = shown_block("excerpt of: python -m numpy_ref --explain --update sequential")
    position = 0
    for line in excerpt.splitlines():  # every excerpt line, in the printed order
        position = printed.index(line, position) + 1
    assert excerpt.splitlines()[-2:] == printed[-2:]  # the count closes both
    assert "dE/dout_h1 shrinks from 0.0364 to 0.0302" in PROSE
    parallel = format_explanation("t", numpy_sections("parallel"), "parallel").splitlines()
    assert "prints only the parallel ones (w1+ = 0.149780716)" in PROSE
    assert "  w1+                0.149780716   0.149780716  yes" in parallel
    assert "all 25 in the parallel order" in PROSE and "21 in the sequential one" in PROSE
    assert parallel[-1].startswith("25 of 25 published figures agree")
    assert printed[-2].startswith("21 of 21 published figures agree")
    # float32: the README's count, on our machine; float32's exp can differ in
    # the last place on another CPU, which may tip a figure or two
    shown = re.search(r"\((\d+) of 25 for the NumPy formulas, parallel, on our machine\)", PROSE)
    float32 = format_explanation("t", numpy_sections("parallel", MAZUR, "float32"), "parallel")
    agreed = int(float32.splitlines()[-1].split()[0])
    assert shown and agreed < 25 and abs(int(shown.group(1)) - agreed) <= 2


def test_readme_study_verdict_is_what_the_study_finds():
    from test_stored_studies import ORDER_OUTCOMES, same_settings, stored_order_studies

    from console.study import verdict
    from numpy_ref.study import StudySettings, summarise

    settings, outcomes = stored_order_studies()["sgd"]
    # what compare_implementations.py --study trains
    assert same_settings(settings, StudySettings(), ORDER_OUTCOMES)
    summaries = summarise(settings.learning_rates, outcomes)
    shown = " ".join(
        shown_block("verdict of: python compare_implementations.py --study")
        .replace("- ", "", 1)
        .split()
    )
    assert shown == verdict(summaries, settings)
    updates = [s.median_updates["parallel"] for s in summaries]
    assert 50 <= min(updates) <= 60 and 10_000 <= max(updates) <= 12_000
    assert "from about 55 to about 11,000" in PROSE
    assert all(s.losses == 0 for s in summaries) and "sequential is never behind" in PROSE


def test_readme_benchmark_block_is_the_benchmarks_output():
    """Timings are not tested; the pasted table must still be this benchmark's."""
    import sys

    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import bench
    import in_process

    # the full run, and the commands and trainers added since, timed in runs of their own
    blocks = shown_blocks("output of: python benchmarks/bench.py")
    assert "output of: python benchmarks/bench.py" in blocks
    lines = [line for block in blocks.values() for line in block.splitlines()]
    assert all(block.startswith("Machine: 2 cores") for block in blocks.values())
    for arguments, goal, expected in bench.COMMANDS:
        row = next(line for line in lines if line.startswith(bench.command_name(arguments) + " "))
        assert row.rstrip().endswith(str(expected))
        assert f" {bench.goal_text(arguments, goal)} " in row
    for label, _, update, optimizer in in_process.TRAINERS:
        assert any(line.startswith(f"{label:<17} {update:<11} {optimizer:<9}") for line in lines)
    for name, *_ in in_process.ROW_GOALS:
        assert any(line.startswith(f"{name:<46} ") for line in lines), name


def test_readme_lists_every_exit_status_and_its_line():
    from console import process, startup, terminal

    section = page("when-things-go-wrong.md")
    statuses = {
        int(line.split("|")[1]) for line in section.splitlines() if re.match(r"\| \d+ \|", line)
    }
    assert statuses == {
        0,
        process.EXIT_DIVERGED,
        process.EXIT_WRITE_FAILED,
        process.EXIT_MISSING_PACKAGE,
        2,
        process.EXIT_INTERRUPTED,
        process.EXIT_BROKEN_PIPE,
        process.EXIT_TERMINATED,
    }
    for line in (
        "interrupted: stopped before the end, nothing was written",
        "terminated: stopped before the end, nothing was written",
        "error: standard output is closed: nowhere to write the results",
        f"error: the package NAME is not installed: {startup.INSTALL_HINT}",
    ):
        assert line in section, line
    for symbol, spelling in terminal.ASCII_SPELLINGS.items():
        if symbol in ("Δ", "·"):
            assert f"`{spelling}` for `{symbol}`" in section


# ---------------------------------------------------------------------------
# The pictures
# ---------------------------------------------------------------------------


def readme_paragraph(start):
    """The paragraph of the README that begins with ``start``, its lines joined."""
    return " ".join(DOCS.split(start, 1)[1].split("\n\n", 1)[0].split())


@pytest.mark.slow
def test_readme_picture_commands_print_what_it_shows(tmp_path, capsys):
    import plot_tensorflow_results as plot

    written = []  # what each command added to the folder
    for picture in ("--network", "--graph", "--animate", "--gradients"):
        before = set(os.listdir(tmp_path))
        assert plot.main([picture, "--out-dir", str(tmp_path)]) == 0
        written.append(set(os.listdir(tmp_path)) - before)
    printed = capsys.readouterr().out.replace(str(tmp_path), ".")
    assert printed.rstrip("\n") == shown_block("printed by: the four commands above")
    # each command writes its picture and nothing else
    assert written == [
        {"network.png"},
        {"computation_graph.png"},
        {"training.gif"},
        {"gradients.png"},
    ]


def test_readme_network_figures_are_on_the_picture():
    from test_pictures import network_numbers

    _, numbers = network_numbers("parallel")
    quoted = re.findall(r"([\w/+]+) = ([-\d.]+\d)", readme_paragraph("`network.png`:"))
    assert len(quoted) == 5
    for name, value in quoted:
        assert numbers[name] == value, name
    _, at_1000 = network_numbers("parallel", iteration=1000)
    signs = {name: float(at_1000[name]) < 0 for name in ("w5", "w6", "w7", "w8")}
    assert signs == {"w5": True, "w6": True, "w7": False, "w8": False}


def test_readme_graph_figures_are_the_tapes():
    from figures.style import tutorial_number
    from frameworks.computation_graph import first_iteration_graph

    node = {n.name: n for n in first_iteration_graph()}
    text = readme_paragraph("`computation_graph.png`:")
    carried = tutorial_number(node["net_o1"].gradient)
    assert f"w5*out_h1 all carry {carried}" in text
    assert {
        tutorial_number(node[name].gradient) for name in ("net_o1", "wsum_o1", "w5*out_h1")
    } == {carried}
    assert (
        f"dE/dw5 = {carried} × out_h1 {tutorial_number(node['out_h1'].value)} ="
        f" {tutorial_number(node['w5'].gradient)}"
    ) in text
    back = tutorial_number(node["net_o2"].gradient).lstrip("-")
    assert (
        f"dE/dout_h1 = {carried} × 0.40 − {back} × 0.50 ="
        f" {tutorial_number(node['out_h1'].gradient)}"
    ) in text
    assert (node["w5"].value, node["w7"].value) == (0.4, 0.5)


@pytest.mark.slow
def test_readme_gradient_sentences_hold():
    from figures.gradient_sizes import gradients_picture
    from numpy_ref.first_iteration import first_iteration
    from numpy_ref.trainers import unwatched
    from numpy_ref.training import PLAIN_SGD

    _, lines = gradients_picture(1000, MAZUR, PLAIN_SGD, unwatched)
    text = readme_paragraph("`gradients.png`:")
    ratios = [numbers_in(line) for line in lines[0::2]]
    assert (
        f"gradient is {ratios[0][0]:.4g} of the output layer's ({ratios[0][2]:.0f} times"
        f" smaller; {ratios[1][0]:.4g} in the sequential order"
    ) in text
    assert ratios[0][3] == ratios[1][3] and f"still only {ratios[0][3]:.4g}" in text
    # "in 1000 updates w1..w4 moved A to B, w5..w8 C to D": A, B, C, D
    moved = np.array([numbers_in(line)[3:9:] for line in lines[1::2]])[:, [0, 1, 4, 5]]
    assert (
        f"w1..w4 move by {moved[:, 0].min():.3g} to {moved[:, 1].max():.3g} and w5..w8"
        f" by {moved[:, 2].min():.3g} to {moved[:, 3].max():.3g}"
    ) in text
    # sequential: back through the new w5..w8, w5 and w6 smaller, w7 and w8 larger,
    # each of which shrinks delta_o1 w5 + delta_o2 w7 (delta_o1 > 0 > delta_o2)
    it = first_iteration("parallel")
    assert np.all((it.new_w_output - it.w_output) * [[-1, -1], [1, 1]] > 0)
    assert it.delta_output[0] > 0 > it.delta_output[1]
