"""The ArgumentParser every script uses, in the standard library alone.

test_installation.py parses its command line with it even where NumPy is
missing, so that it can report NumPy like any other package.
"""

import argparse
import re
import sys

#: Every spelling of a negative number that an option's type should see (and
#: refuse): argparse itself takes only "-1" and "-0.5" for values, and would
#: read "-1e-3" or "-inf" as an unknown option.
NEGATIVE_NUMBER = re.compile(
    r"^-(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE
)


class _NamingGroup:
    """An argument group that tells its parser the name of every option added to it,
    and the title of the group (``title``) it was added to."""

    def __init__(self, group, parser, title):
        self._group = group
        self._parser = parser
        self.title = title  # None: the parser's own options

    def add_argument(self, *args, **kwargs):
        return self._parser.named(self._group.add_argument(*args, **kwargs), self.title)

    def add_mutually_exclusive_group(self, **kwargs):
        """Its options are listed under this group's title."""
        group = self._group.add_mutually_exclusive_group(**kwargs)
        return _NamingGroup(group, self._parser, self.title)

    def __getattr__(self, name):
        return getattr(self._group, name)


class RecordingParser(argparse.ArgumentParser):
    """argparse's ArgumentParser, unchanged, that also keeps a record of its arguments.

    ``documented``: (group title, action) for every argument whose help is
    shown, in the order they were added; the title is None for the parser's
    own options (those outside any group, a mutually exclusive group of the
    parser's own included).  ``group_descriptions``: each titled group's
    description.  docs/make_options_page.py writes docs/options.md from them.
    """

    def __init__(self, **kwargs):
        self.names = {}  # dest -> how the command line spells it ("--lr", "ITERATIONS")
        self.takes_value = set()  # the option strings followed by a value
        self.positionals = []  # the actions of the arguments without an option string
        self.documented = []  # (group title or None, action), in order
        self.group_descriptions = {}  # group title -> its description
        super().__init__(**kwargs)

    def named(self, action, title=None):
        """Record ``action`` (added to the group titled ``title``): how it is
        spelled, whether it takes a value, and its help; return it."""
        self.names[action.dest] = "/".join(action.option_strings) or action.metavar or action.dest
        if action.option_strings and action.nargs != 0:
            self.takes_value.update(action.option_strings)
        if not action.option_strings:
            self.positionals.append(action)
        if action.help != argparse.SUPPRESS:
            self.documented.append((title, action))
        return action

    def add_argument(self, *args, **kwargs):
        return self.named(super().add_argument(*args, **kwargs))

    def add_argument_group(self, title=None, description=None, **kwargs):
        group = super().add_argument_group(title, description, **kwargs)
        self.group_descriptions[title] = description
        return _NamingGroup(group, self, title)

    def add_mutually_exclusive_group(self, **kwargs):
        return _NamingGroup(super().add_mutually_exclusive_group(**kwargs), self, None)


class ArgumentParser(RecordingParser):
    """argparse, but a bad argument is one line on stderr and exit status 2.

    The script's module docstring is its --help description, kept as written.
    Options are spelled out (no abbreviations), and an option that would be
    ignored in the mode a command line asks for is refused, naming both
    options: see ``not_with`` and ``only_with``.
    """

    def __init__(self, prog, description):
        self.combinations = []  # (mode dest, dests, allowed with the mode?)
        self.given = set()  # after parse_args: the dests the command line itself set
        super().__init__(
            prog=prog,
            description=description,
            allow_abbrev=False,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")

    def not_with(self, mode, *dests):
        """Refuse each of ``dests`` when the ``mode`` option is given."""
        self.combinations.append((mode, dests, False))

    def only_with(self, mode, *dests):
        """Refuse each of ``dests`` unless the ``mode`` option is given."""
        self.combinations.append((mode, dests, True))

    def parse_args(self, args=None, namespace=None):
        args = self._negative_values_attached(args)
        parsed = super().parse_args(args, namespace)
        self.given = self._given(args, parsed)
        self._check_combinations(self.given)
        return parsed

    def _negative_values_attached(self, args):
        """``--lr -1e-3`` as ``--lr=-1e-3``, so that the option's type sees the value;
        a negative number where a positional argument goes is refused by that
        argument's type, as any other value of it would be."""
        args = list(sys.argv[1:] if args is None else args)
        for i in range(len(args) - 1, -1, -1):
            if not NEGATIVE_NUMBER.match(args[i]):
                continue
            if i > 0 and args[i - 1] in self.takes_value:
                args[i - 1 : i + 1] = [f"{args[i - 1]}={args[i]}"]
            elif self.positionals and self.positionals[0].type:
                self._refused_by_type(self.positionals[0], args[i])
        return args

    def _refused_by_type(self, action, text):
        """Exit 2 with the line argparse prints when ``action``'s type refuses ``text``."""
        try:
            action.type(text)
        except (argparse.ArgumentTypeError, ValueError) as error:
            self.error(f"argument {self.names[action.dest]}: {error}")

    def _given(self, args, parsed):
        """The dests that the command line itself sets (not their defaults): those
        still set when every default is something no command line can give."""
        defaults = {dest: self.get_default(dest) for dest in vars(parsed)}
        not_given = object()  # not a string, so argparse never converts it
        try:
            self.set_defaults(**dict.fromkeys(defaults, not_given))
            again = super().parse_args(args)
        finally:
            self.set_defaults(**defaults)
        return {dest for dest, value in vars(again).items() if value is not not_given}

    def refuse(self, dest, why):
        """One line and exit 2: the option of ``dest`` cannot be taken, because ``why``."""
        self.error(f"argument {self.names[dest]}: {why}")

    def _check_combinations(self, given):
        for mode, dests, allowed_with_mode in self.combinations:
            for dest in dests:
                if dest in given and (mode in given) != allowed_with_mode:
                    relation = "not allowed with" if mode in given else "only allowed with"
                    self.error(
                        f"argument {self.names[dest]}: {relation} argument {self.names[mode]}"
                    )


def add_verbose_argument(parser):
    """--verbose: let TensorFlow's own start-up log through to stderr."""
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show TensorFlow's own log messages (hidden by default)",
    )
