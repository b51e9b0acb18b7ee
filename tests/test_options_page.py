"""docs/options.md is the scripts' parsers written out, and is never stale
(docs/make_options_page.py writes it; nothing here imports TensorFlow)."""

import argparse
import importlib.util
import os

import pytest
from conftest import ROOT, run_script

PAGE = os.path.join(ROOT, "docs", "options.md")


@pytest.fixture(scope="module")
def maker():
    """docs/make_options_page.py, imported (it is a script, not a package)."""
    path = os.path.join(ROOT, "docs", "make_options_page.py")
    spec = importlib.util.spec_from_file_location("make_options_page", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_is_current():
    done = run_script("docs/make_options_page.py", "--check", timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_every_option_every_parser_records_is_on_the_page(maker):
    page = open(PAGE, encoding="utf-8").read()
    parsers = maker.parsers()
    headings = [line for line in page.splitlines() if line.startswith("## ")]
    assert headings == [
        "## python ann_tensorflow.py",
        "## python ann_keras.py",
        "## python ann_pytorch.py",
        "## python ann_jax.py",
        "## python ann_csharp.py",
        "## python -m numpy_ref",
        "## python compare_implementations.py",
        "## python plot_tensorflow_results.py",
        "## python explore.py",
        "## python test_installation.py",
        "## python benchmarks/bench.py",
    ]
    spellings = [
        name
        for parser in parsers
        for _, action in parser.documented
        for name in action.option_strings or [action.metavar]
        if name not in ("-h", "--help")
    ]
    assert "--lr" in spellings and "--replica-steps" in spellings  # the record is not empty
    missing = [name for name in spellings if f"`{name}`" not in page]
    assert not missing


def test_each_group_is_recorded_under_its_title():
    """A mutually exclusive group reports the group it sits in, or the parser's own."""
    import compare_implementations
    import plot_tensorflow_results

    titles = {
        action.dest: title
        for title, action in plot_tensorflow_results.build_parser().documented
        if action.option_strings
    }
    assert titles["picture"] == "pictures"  # --network and the others, one of them
    assert titles["lr"] is None and titles["momentum"] == "optimizer"
    compare = compare_implementations.build_parser().documented
    assert [title for title, action in compare if action.dest in ("json", "csv")] == [None, None]


def test_a_row_fills_in_the_help_as_argparse_would(maker):
    from console.parser import ArgumentParser

    parser = ArgumentParser("demo.py", "A demo.\n\nMore.")
    group = parser.add_argument_group("things", "about\nthings")
    group.add_argument("--rate", type=float, default=1e-7, help="rate, %(default)s of %(prog)s")
    group.add_argument("--pick", choices=("a", "b"), help="one of %(choices)s | %(type)s")
    group.add_argument("--hidden", help=argparse.SUPPRESS)
    section = maker.section(parser)
    assert section.splitlines()[:3] == ["## python demo.py", "", "A demo."]
    assert "**things**: about things" in section
    assert "| `--rate` | RATE | rate, 1e-07 of demo.py |" in section
    assert r"| `--pick` | a, b | one of a, b \| None |" in section
    assert "--hidden" not in section


def test_generating_twice_gives_the_same_page(maker):
    assert maker.page_text() == maker.page_text()
