"""The README is a front door and the pages under docs/ read as a path: every relative
link and anchor resolves, every chapter says what it answers and leads to the next,
and each headline finding's figures are on the page that proves them."""

import os
import re
import unicodedata

import pytest
from conftest import PAGES, README, ROOT, numbers_in, section

#: The README's front door stays short: its chapters are pages.
MOST_README_LINES = 200
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
NEXT = re.compile(r"^Next: \[[^\]]+\]\(([^)#]+\.md)\)", re.MULTILINE)


def github_anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as -."""
    kept = "".join(c for c in heading.lower() if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(text):
    """Every anchor of a page's headings, repeated ones numbered as GitHub numbers them."""
    found, seen = set(), {}
    for heading in HEADING.findall(FENCED.sub("", text)):
        anchor = github_anchor(heading)
        found.add(anchor if anchor not in seen else f"{anchor}-{seen[anchor]}")
        seen[anchor] = seen.get(anchor, 0) + 1
    return found


def relative_links(text):
    return [
        target
        for target in LINK.findall(FENCED.sub("", text))
        if not target.startswith(("http://", "https://", "mailto:"))
    ]


def test_anchors_follow_githubs_rule():
    assert github_anchor("The loss: reduce_mean and 0.5 * sum") == (
        "the-loss-reduce_mean-and-05--sum"
    )
    assert github_anchor("Is sequential faster? The update-order study") == (
        "is-sequential-faster-the-update-order-study"
    )
    assert anchors("## A\n\n## A\n") == {"a", "a-1"}


@pytest.mark.parametrize("source", sorted(PAGES))
def test_every_relative_link_and_anchor_resolves(source):
    for target in relative_links(PAGES[source]):
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(os.path.dirname(source), path)) if path else source
        assert os.path.exists(os.path.join(ROOT, resolved)), f"{source}: {target}"
        if anchor:
            assert resolved in PAGES, f"{source}: {target} is not a page"
            assert anchor in anchors(PAGES[resolved]), f"{source}: {target}"


def chapter_map():
    """The pages the README's map lists, in its order."""
    chapters = section(README, "The chapters, in reading order")
    return [
        target.removeprefix("docs/")
        for line in chapters.splitlines()
        if re.match(r"\d+\. \[", line)
        for target in [LINK.search(line).group(1)]
    ]


def test_the_readme_is_a_front_door():
    assert README.count("\n") <= MOST_README_LINES
    assert "![" in README  # one picture: the network with its numbers
    assert len(chapter_map()) >= 10


def test_the_chapters_read_as_the_path_the_readme_maps():
    """From the first chapter, each page's "Next:" link leads to the next one on the map,
    and every chapter opens with what it answers."""
    path, name = [], chapter_map()[0]
    while name:
        text = PAGES[f"docs/{name}"]
        assert text.split("\n\n")[1].startswith("What this page answers:"), name
        assert text.rstrip().endswith("Back to [the README](../README.md)."), name
        path.append(name)
        following = NEXT.findall(text)
        name = following[-1] if following else None
        assert name not in path, f"{name} twice on the path"
    assert path == chapter_map()


def test_each_page_under_docs_is_reached_from_the_readme():
    linked = {os.path.normpath(os.path.join("docs", p)) for p in chapter_map()}
    linked |= {t.split("#")[0] for t in relative_links(README) if t.startswith("docs/")}
    assert set(PAGES) - {"README.md"} <= linked


def findings():
    """(the finding's text, the page it links to) for each of the README's headline findings."""
    bullets = section(README, "What we found").split("\n- ")[1:]
    for bullet in bullets:
        text = " ".join(bullet.split())
        targets = [t for t in relative_links(text) if t.startswith("docs/")]
        yield text, targets


def test_each_headline_finding_links_to_a_page_that_shows_its_figures():
    for text, targets in findings():
        assert targets, text
        shown = " ".join(PAGES[t.split("#")[0]] for t in targets)
        prose = " ".join(LINK.sub("", text).split())
        for number in numbers_in(prose):
            written = f"{number:g}"
            assert any(f"{value:g}" == written for value in numbers_in(shown)), (number, text)


def test_code_shown_from_a_file_is_that_files_code():
    """A block marked "code from: PATH" is lines of PATH as they are, indentation and all."""
    for text in PAGES.values():
        for path, block in re.findall(r"<!-- code from: (\S+) -->\n```\w*\n(.*?)```", text, re.S):
            with open(os.path.join(ROOT, path), encoding="utf-8") as file:
                source = file.read().splitlines()
            for line in block.splitlines():
                assert line in source, f"{path}: {line!r}"
