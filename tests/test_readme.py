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
    for arguments, target, expected in bench.COMMANDS:
        name = "python " + " ".join(arguments).replace("{tmp}", "TMP")
        row = next(line for line in block if line.startswith(name[:42]))
        assert row.rstrip().endswith(str(expected))
        if target is not None:
            assert f"<= {target:g}" in row
    for label, _, update in bench.TRAINERS:
        assert any(line.startswith(f"{label:<17} {update:<11}") for line in block)


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
