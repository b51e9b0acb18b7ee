"""Write docs/options.md, the options of every script, from the scripts' own parsers.

Each script builds its parser without parsing (build_parser(), or its
TrainerScript's parser()), and the parser keeps a record of its documented
options with the group each was added to (console.parser.RecordingParser):
this page is made from that record alone, so it says what --help says and
cannot drift from the code.  It reads no terminal width and uses none of
argparse's help formatting, so every Python version writes the same bytes.

    python docs/make_options_page.py           # write docs/options.md
    python docs/make_options_page.py --check   # exit 1 if docs/options.md is stale
"""

import argparse
import importlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]  # the scripts, and bench.py's in_process

from console.parser import ArgumentParser  # noqa: E402
from support.files import atomic_output  # noqa: E402

PAGE = "docs/options.md"  # relative to ROOT, as the messages name it

#: (module, how its parser is built), in the page's order.
SCRIPTS = (
    ("ann_tensorflow", lambda module: module.SCRIPT.parser()),
    ("ann_keras", lambda module: module.SCRIPT.parser()),
    ("ann_pytorch", lambda module: module.SCRIPT.parser()),
    ("ann_jax", lambda module: module.SCRIPT.parser()),
    ("ann_csharp", lambda module: module.SCRIPT.parser()),
    ("numpy_ref.__main__", lambda module: module.SCRIPT.parser()),
    ("compare_implementations", lambda module: module.build_parser()),
    ("plot_tensorflow_results", lambda module: module.build_parser()),
    ("explore", lambda module: module.build_parser()),
    ("test_installation", lambda module: module.build_parser()),
    ("bench", lambda module: module.build_parser()),
)

HEADER = """\
# Options

This page is generated from the scripts' argument parsers by
`docs/make_options_page.py`, and each script's `--help` says the same.
Every script also takes `-h`/`--help`, which prints its options and exits.
"""


def parsers():
    """Every script's parser, in the page's order."""
    return [build(importlib.import_module(name)) for name, build in SCRIPTS]


def folded(text):
    """``text`` on one line, runs of white space as one space (as --help wraps it)."""
    return " ".join(str(text).split())


def cell(text):
    """``text`` as a Markdown table cell: one line, ``|`` escaped."""
    return folded(text).replace("|", r"\|")


def expanded_help(action, prog):
    """The action's help with ``%(default)s`` and the like filled in, as argparse
    fills them: from vars(action) and prog, less what is SUPPRESS, a function
    (its type) by its name, the choices joined by ", "."""
    params = {
        name: getattr(value, "__name__", value)
        for name, value in dict(vars(action), prog=prog).items()
        if value is not argparse.SUPPRESS
    }
    if params.get("choices") is not None:
        params["choices"] = ", ".join(str(choice) for choice in params["choices"])
    return action.help % params


def value_text(action):
    """What follows the option: its metavar, else its choices, else (for an
    option that takes a value) the name argparse shows, its dest in capitals."""
    if not action.option_strings:  # a positional: its metavar is its name
        return ", ".join(map(str, action.choices)) if action.choices else ""
    if action.nargs == 0:
        return ""
    if action.metavar is not None:
        metavar = action.metavar
        return " ".join(metavar) if isinstance(metavar, tuple) else metavar
    if action.choices is not None:
        return ", ".join(str(choice) for choice in action.choices)
    return action.dest.upper()


def option_text(action):
    """The option's spellings ("`-h`, `--help`"), or a positional's metavar."""
    names = action.option_strings or [action.metavar or action.dest]
    return ", ".join(f"`{name}`" for name in names)


def table(actions, prog):
    """One Markdown table: an option per row (each help says its default, as --help does)."""
    rows = ["| option | value | what it does |", "| --- | --- | --- |"]
    for action in actions:
        cells = (
            option_text(action),
            value_text(action),
            expanded_help(action, prog),
        )
        rows.append("| " + " | ".join(cell(text) for text in cells) + " |")
    return "\n".join(rows)


def is_help(action):
    return "--help" in action.option_strings


def section(parser):
    """One script's section: its heading, its description's first paragraph, and
    a table per group (the parser's own options first, then each group in order)."""
    heading = parser.prog if parser.prog.startswith("python ") else f"python {parser.prog}"
    description = (parser.description or "").strip().split("\n\n")[0]
    groups = {None: []}
    for title, action in parser.documented:
        if not is_help(action):
            groups.setdefault(title, []).append(action)
    parts = [f"## {heading}", folded(description)]
    for title, actions in groups.items():
        if not actions:
            continue
        if title is not None:
            about = parser.group_descriptions.get(title)
            parts.append(f"**{title}**" + (f": {folded(about)}" if about else ""))
        parts.append(table(actions, parser.prog))
    return "\n\n".join(parts)


def page_text():
    """The whole of docs/options.md."""
    return HEADER + "".join(f"\n{section(parser)}\n" for parser in parsers())


def build_parser():
    parser = ArgumentParser("docs/make_options_page.py", __doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"write nothing; exit 0 if {PAGE} is current, else 1",
    )
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    path = os.path.join(ROOT, PAGE)
    text = page_text()
    if args.check:
        try:
            with open(path, encoding="utf-8", newline="") as page:
                current = page.read() == text
        except FileNotFoundError:
            current = False
        except (OSError, UnicodeDecodeError) as error:
            print(
                f"error: cannot read {PAGE}: {getattr(error, 'strerror', None) or error}",
                file=sys.stderr,
            )
            return 1
        if not current:
            print(f"{PAGE} is stale: run python docs/make_options_page.py", file=sys.stderr)
            return 1
        return 0
    try:
        with atomic_output(path) as temporary:
            with open(temporary, "w", encoding="utf-8", newline="\n") as page:
                page.write(text)
    except OSError as error:
        print(f"error: cannot write {PAGE}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
