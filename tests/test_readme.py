"""Every figure the README shows is one the code computes now."""

import contextlib
import io
import os
import re

import numpy as np
import pytest
from conftest import ROOT

import compare_implementations
from numpy_ref import MAZUR, train
from numpy_ref.optimizers import OPTIMIZERS, Optimizer, Training

README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
PROSE = " ".join(README.split())  # line breaks folded, for phrases
NUMBER = re.compile(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?%?")


def readme_block(marker):
    """The fenced block right after an HTML-comment marker."""
    start = README.index(f"<!-- {marker} -->")
    body = README[start:].split("```text\n", 1)[1]
    return body.split("```", 1)[0].rstrip("\n")


@pytest.fixture(scope="module")
def printed_table():
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert compare_implementations.main(["1000", "--verbose"]) == 0
    return buffer.getvalue().rstrip("\n")


def _numbers(line):
    return [float(token.rstrip("%")) for token in NUMBER.findall(line)]


def test_readme_table_is_what_the_script_prints(printed_table):
    shown = readme_block("output of: python compare_implementations.py 1000").splitlines()
    now = printed_table.splitlines()
    assert len(shown) == len(now)
    for old, new in zip(shown, now):
        # NumPy rows and all text are exact; float32 framework digits may move
        # in the last place on another CPU, so those numbers get a tolerance.
        assert NUMBER.sub("#", old) == NUMBER.sub("#", new), (old, new)
        if old.startswith("NumPy"):
            assert old == new
        for a, b in zip(_numbers(old), _numbers(new)):
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


def test_readme_rounding_claims_hold():
    from implementations import run_all

    # the figure's panel is the loss's distance, not the table's max |Δ| (which
    # also takes in the final weights)
    runs = run_all(1000, MAZUR, "float32")
    reference = {i.update: r.losses for i, r in runs if i.is_reference}
    worst = max(float(np.max(np.abs(r.losses - reference[i.update])))
                for i, r in runs if not i.is_reference)
    assert worst < 1e-7
    assert "never above 1e-7" in PROSE


def test_readme_order_gaps_hold():
    assert "lower by 4.1e-7 (0.0011153760 against 0.0011157856); at 10000 by 1.7e-8" in PROSE
    gap = (train(10000, "parallel").last_iteration_loss
           - train(10000, "sequential").last_iteration_loss)
    assert f"{gap:.1e}" == "1.7e-08"


def test_readme_explain_excerpt_is_what_the_script_prints():
    from console.explain import format_explanation, numpy_sections

    printed = format_explanation("t", numpy_sections("sequential"), "sequential").splitlines()
    excerpt = readme_block("excerpt of: python -m numpy_ref --explain --update sequential")
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
    from console.study import verdict
    from numpy_ref.study import StudySettings, run_study, summarise

    settings = StudySettings()
    summaries = summarise(settings.learning_rates, run_study(settings))
    shown = " ".join(readme_block("verdict of: python compare_implementations.py --study")
                     .replace("- ", "", 1).split())
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

    block = readme_block("output of: python benchmarks/bench.py").splitlines()
    assert block[0].startswith("Machine: 2 cores")
    # the commands added since the full run, timed in a run of their own
    later = readme_block("output of: python benchmarks/bench.py --only plot_tensorflow_results.py"
                         " --skip-in-process --skip-replicas").splitlines()
    for arguments, goal, expected in bench.COMMANDS:
        row = next(line for line in block + later
                   if line.startswith(bench.command_name(arguments) + " "))
        assert row.rstrip().endswith(str(expected))
        assert f" {bench.goal_text(arguments, goal)} " in row
    for label, _, update, optimizer in bench.TRAINERS:
        assert any(line.startswith(f"{label:<17} {update:<11} {optimizer:<9}") for line in block)


def test_readme_lists_every_exit_status_and_its_line():
    from console import process, startup

    section = README.split("## When things go wrong", 1)[1].split("\n## ", 1)[0]
    statuses = {int(line.split("|")[1]) for line in section.splitlines()
                if re.match(r"\| \d+ \|", line)}
    assert statuses == {0, process.EXIT_DIVERGED, process.EXIT_WRITE_FAILED,
                        process.EXIT_MISSING_PACKAGE, 2, process.EXIT_INTERRUPTED,
                        process.EXIT_BROKEN_PIPE, process.EXIT_TERMINATED}
    for line in ("interrupted: stopped before the end, nothing was written",
                 "terminated: stopped before the end, nothing was written",
                 "error: standard output is closed: nowhere to write the results",
                 f"error: the package NAME is not installed: {startup.INSTALL_HINT}"):
        assert line in section, line
    for symbol, spelling in process.ASCII_SPELLINGS.items():
        if symbol in ("Δ", "·"):
            assert f"`{spelling}` for `{symbol}`" in section


# ---------------------------------------------------------------------------
# Optimizers, number by number
# ---------------------------------------------------------------------------


def test_readme_optimizer_table_is_what_the_script_prints():
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert compare_implementations.main(["1000", "--optimizer", "all"]) == 0
    now = buffer.getvalue().rstrip("\n").splitlines()
    shown = readme_block("output of: python compare_implementations.py 1000 --optimizer all")
    shown = shown.splitlines()
    assert len(shown) == len(now)
    for old, new in zip(shown, now):
        assert NUMBER.sub("#", old) == NUMBER.sub("#", new), (old, new)
        numbers = list(zip(_numbers(old), _numbers(new)))
        if old.split()[:1] and old.split()[0] in OPTIMIZERS:
            # the reference's loss and updates are exact; the float32 distance may move
            assert numbers[:-1] == [(a, a) for a, _ in numbers[:-1]] or "never" in old
            assert old.rsplit(None, 1)[0] == new.rsplit(None, 1)[0]
        for a, b in numbers:
            assert a == pytest.approx(b, rel=0.5, abs=1e-8), (old, new)
    assert "Every optimizer but plain SGD gets below 0.001 within 44 updates" in PROSE
    assert "drive the loss to 1.8e-34" in PROSE


def test_readme_optimizer_formulas_name_keras_classes_and_defaults():
    for name, rule in OPTIMIZERS.items():
        assert f"| `{name}` | `{rule.keras_class}(" in README
        for _, default in rule.defaults:
            assert f"{default:g}" in PROSE
    low_high = {name: rule.study_rates for name, rule in OPTIMIZERS.items()}
    assert low_high["momentum"] == low_high["nesterov"] == (0.01, 2.0)
    assert low_high["rmsprop"] == low_high["adam"] == (0.001, 1.0)
    assert "0.01 to 2 for momentum and Nesterov, 0.001 to 1 for RMSprop and Adam" in PROSE


def test_readme_adam_excerpt_is_what_the_script_prints():
    from console.explain import format_explanation, numpy_sections

    adam = Optimizer.named("adam")
    printed = format_explanation("t", numpy_sections("parallel", optimizer=adam), "parallel",
                                 "adam").splitlines()
    excerpt = readme_block("excerpt of: python -m numpy_ref --explain --optimizer adam")
    position = 0
    for line in excerpt.splitlines():
        position = printed.index(line, position) + 1
    assert excerpt.splitlines()[-2:] == printed[-2:]
    first = train(1, "parallel", training=Training(optimizer=adam))
    steps = np.abs(np.concatenate([(first.final_hidden_weights - first.hidden_weights[0]).ravel(),
                                   (first.final_output_weights - first.output_weights[0]).ravel()]))
    assert np.all((0.49 < steps) & (steps <= 0.5))  # "almost exactly lr, whatever its gradient"
    sgd = train(1, "parallel")
    g1 = (sgd.hidden_weights[0, 0, 0] - sgd.final_hidden_weights[0, 0]) / 0.5
    g5 = (sgd.output_weights[0, 0, 0] - sgd.final_output_weights[0, 0]) / 0.5
    assert "gradient is 187 times smaller than w5's, moves 0.496 where plain SGD moves it 0.0002" \
        in PROSE
    assert round(g5 / g1) == 187 and f"{steps[0]:.3f}" == "0.496" and f"{0.5 * g1:.4f}" == "0.0002"


def test_readme_long_run_agreement_figures_hold():
    from console.comparison import distance
    from frameworks import tape
    from numpy_ref import Example

    rmsprop_l1 = Training(optimizer=Optimizer.named("rmsprop"), l1=1e-3)
    nudged = Example(output_weights=((np.nextafter(0.40, 1.0), 0.45), (0.50, 0.55)))
    figures = {}
    for k in (30, 200, 1000):
        reference = train(k, "parallel", training=rmsprop_l1)
        figures[("tf", k)] = distance(tape.train(k, "parallel", MAZUR, "float64",
                                                 training=rmsprop_l1), reference)
        figures[("nudge", k)] = distance(train(k, "parallel", nudged, training=rmsprop_l1),
                                         reference)
    text = (f"grows from {figures['tf', 30]:.1e} at iteration 30 to {figures['tf', 200]:.1e}"
            f" at 200 and {figures['tf', 1000]:.1e} at 1000")
    shown = re.search(r"grows from (\S+) at iteration 30 to (\S+) at 200 and (\S+) at 1000",
                      PROSE)
    # TensorFlow's last digits may differ on another CPU: the same decade will do
    for written, ours in zip(shown.groups(), (figures["tf", k] for k in (30, 200, 1000))):
        assert abs(np.log10(float(written)) - np.log10(ours)) < 1, (text, shown.group(0))
    assert (f"just as fast, {figures['nudge', 200]:.1e} at 200 and"
            f" {figures['nudge', 1000]:.1e} at 1000") in PROSE
    assert figures["tf", 200] <= 1e-12 < figures["tf", 1000]


def test_readme_rounded_constant_figures_hold():
    import keras
    import tensorflow as tf

    from frameworks import tape
    from frameworks.common import keras_floatx

    assert f"{float(np.float32(0.9)):.17g}" == "0.89999997615814209"
    assert "β1 = 0.9 reaches Adam as 0.89999997615814209" in PROSE
    penalty = float(keras.regularizers.L2(0.001)(tf.constant([1.0], tf.float64)))
    assert f"`keras.regularizers.L2(0.001)` penalises with {penalty!r}" in PROSE
    example, adam = MAZUR.with_learning_rate(0.05), Training(optimizer=Optimizer.named("adam"))
    network = tape.TapeNetwork(example, "float64", training=adam)
    with keras_floatx("float64"):
        network.optimizer = keras.optimizers.Adam(learning_rate=0.05, beta_1=0.9,
                                                  beta_2=0.999, epsilon=1e-7)
    network.optimizer.build([network.hidden_kernel, network.output_kernel])
    history, _ = network.fit(300, "parallel")
    off = np.abs(history["losses"] - train(300, "parallel", example, training=adam).losses).max()
    shown = re.search(r"built from Python floats is then (\S+) off", PROSE).group(1)
    assert float(shown) == pytest.approx(off, rel=0.2)


def test_readme_optimizer_study_verdicts_are_what_the_studies_find():
    from console.study import verdict
    from numpy_ref.study import StudySettings, order_effect, rate_grid, run_study, summarise

    def study(optimizer):
        settings = StudySettings(learning_rates=rate_grid(optimizer), optimizer=optimizer)
        return settings, summarise(settings.learning_rates, run_study(settings))

    _, sgd = study(Optimizer())
    block = readme_block("verdicts of: python compare_implementations.py --study --optimizer NAME")
    # one entry per optimizer, "NAME: sentence", continued on indented lines
    entries = re.split(r"\n(?=\S)", block)
    lines = dict(" ".join(entry.split()).split(": ", 1) for entry in entries)
    assert list(lines) == [name for name in OPTIMIZERS if name != "sgd"]
    ratios, slower = {}, {}
    for name, sentence in lines.items():
        settings, summaries = study(Optimizer.named(name))
        assert " ".join(verdict(summaries, settings, sgd).split()).endswith(sentence)
        ratios[name] = order_effect(summaries) / order_effect(sgd)
        counted = sum(s.losses for s in summaries), sum(s.runs for s in summaries)
        slower[name] = f"{100 * counted[0] / counted[1]:.1f}%"
    assert (f"matter {round(ratios['adam'])} (Adam) to {round(ratios['rmsprop'])} (RMSprop)"
            " times more than SGD does") in PROSE
    assert max(ratios.values()) == ratios["rmsprop"]
    assert (f"({slower['rmsprop']} of RMSprop's paired runs, {slower['adam']} of Adam's)"
            in PROSE)


def test_readme_xor_excerpt_is_what_the_reference_prints():
    from conftest import run_script

    command = "python -m numpy_ref 2000 --data xor --train-biases --init random --lr 8"
    done = run_script(*command.split()[1:])
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    excerpt = readme_block(f"excerpt of: {command}").splitlines()
    start = printed.index(excerpt[0])
    assert printed[start:start + len(excerpt)] == excerpt


def test_readme_xor_verdict_is_what_the_study_finds():
    from console.xor_study import verdict
    from numpy_ref.xor_study import XorStudySettings, run_xor_study, summarise_setup

    settings = XorStudySettings()
    runs = run_xor_study(settings, workers=2)
    sentences = verdict({run.setup: summarise_setup(run) for run in runs}, settings)
    shown = readme_block("verdict of: python compare_implementations.py --study --data xor")
    assert [" ".join(item.split()) for item in shown.split("\n- ")] == [
        "- " + sentences[0], *sentences[1:]]
    widest = sentences[2].split("the widest gap is ")[1].split(" percentage")[0]
    assert "(sgd, trained, online, in favour of parallel)" in sentences[2]
    assert f"online, parallel solved {widest} percentage points more starts" in PROSE
    assert (f"{settings.starts} random starts" in PROSE
            and f"at most {settings.max_iterations} updates" in PROSE
            and f"at {settings.rates} learning rates" in PROSE)


def readme_paragraph(start):
    """The paragraph of the README that begins with ``start``, its lines joined."""
    return " ".join(README.split(start, 1)[1].split("\n\n", 1)[0].split())


def test_readme_picture_commands_print_what_it_shows(tmp_path, capsys):
    import plot_tensorflow_results as plot

    for picture in ("--network", "--graph", "--animate", "--gradients"):
        assert plot.main([picture, "--out-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.replace(str(tmp_path), ".")
    assert printed.rstrip("\n") == readme_block("printed by: the four commands above")


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
    assert {tutorial_number(node[name].gradient)
            for name in ("net_o1", "wsum_o1", "w5*out_h1")} == {carried}
    assert (f"dE/dw5 = {carried} × out_h1 {tutorial_number(node['out_h1'].value)} ="
            f" {tutorial_number(node['w5'].gradient)}") in text
    back = tutorial_number(node["net_o2"].gradient).lstrip("-")
    assert (f"dE/dout_h1 = {carried} × 0.40 − {back} × 0.50 ="
            f" {tutorial_number(node['out_h1'].gradient)}") in text
    assert (node["w5"].value, node["w7"].value) == (0.4, 0.5)


def test_readme_gradient_sentences_hold():
    from figures.gradient_sizes import gradients_picture
    from numpy_ref.first_iteration import first_iteration
    from numpy_ref.optimizers import PLAIN_SGD
    from numpy_ref.trainers import unwatched

    _, lines = gradients_picture(1000, MAZUR, PLAIN_SGD, unwatched)
    text = readme_paragraph("`gradients.png`:")
    ratios = [_numbers(line) for line in lines[0::2]]
    assert (f"gradient is {ratios[0][0]:.4g} of the output layer's ({ratios[0][2]:.0f} times"
            f" smaller; {ratios[1][0]:.4g} in the sequential order") in text
    assert ratios[0][3] == ratios[1][3] and f"still only {ratios[0][3]:.4g}" in text
    # "in 1000 updates w1..w4 moved A to B, w5..w8 C to D": A, B, C, D
    moved = np.array([_numbers(line)[3:9:] for line in lines[1::2]])[:, [0, 1, 4, 5]]
    assert (f"w1..w4 move by {moved[:, 0].min():.3g} to {moved[:, 1].max():.3g} and w5..w8"
            f" by {moved[:, 2].min():.3g} to {moved[:, 3].max():.3g}") in text
    # sequential: back through the new w5..w8, w5 and w6 smaller, w7 and w8 larger,
    # each of which shrinks delta_o1 w5 + delta_o2 w7 (delta_o1 > 0 > delta_o2)
    it = first_iteration("parallel")
    assert np.all((it.new_w_output - it.w_output) * [[-1, -1], [1, 1]] > 0)
    assert it.delta_output[0] > 0 > it.delta_output[1]
