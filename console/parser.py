"""The ArgumentParser every script uses, in the standard library alone.

test_installation.py parses its command line with it even where NumPy is
missing, so that it can report NumPy like any other package.
"""

import argparse
import re


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit status 2.

    The script's module docstring is its --help description, kept as written.
    Options are spelled out (no abbreviations), and an option that would be
    ignored in the mode a command line asks for is refused, naming both
    options: see ``not_with`` and ``only_with``.
    """

    def __init__(self, prog, description):
        super().__init__(prog=prog, description=description, allow_abbrev=False,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
        self.combinations = []  # (mode dest, dests, allowed with the mode?)
        self.given = set()  # after parse_args: the dests the command line itself set
        # argparse takes "-1e-3" and "-inf" for options, not values: let every
        # spelling of a negative number reach the option's type, which refuses it.
        self._negative_number_matcher = re.compile(
            r"^-(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")

    def not_with(self, mode, *dests):
        """Refuse each of ``dests`` when the ``mode`` option is given."""
        self.combinations.append((mode, dests, False))

    def only_with(self, mode, *dests):
        """Refuse each of ``dests`` unless the ``mode`` option is given."""
        self.combinations.append((mode, dests, True))

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        self.given = self._given(args)
        self._check_combinations(self.given)
        return parsed

    def _given(self, args):
        """The dests that the command line itself sets (not their defaults)."""
        actions = [action for action in self._actions if action.dest != "help"]
        defaults = [action.default for action in actions]
        not_given = object()  # not a string, so argparse never converts it
        try:
            for action in actions:
                action.default = not_given
            given = super().parse_args(args)
        finally:
            for action, default in zip(actions, defaults):
                action.default = default
        names = {action.dest for action in actions}
        return {dest for dest, value in vars(given).items()
                if dest in names and value is not not_given}

    def refuse(self, dest, why):
        """One line and exit 2: the option of ``dest`` cannot be taken, because ``why``."""
        self.error(f"argument {self._name(dest)}: {why}")

    def _name(self, dest):
        action = next(action for action in self._actions if action.dest == dest)
        return "/".join(action.option_strings) or action.metavar or dest

    def _check_combinations(self, given):
        for mode, dests, allowed_with_mode in self.combinations:
            for dest in dests:
                if dest in given and (mode in given) != allowed_with_mode:
                    relation = "not allowed with" if mode in given else "only allowed with"
                    self.error(f"argument {self._name(dest)}: {relation} argument "
                               f"{self._name(mode)}")


def add_verbose_argument(parser):
    """--verbose: let TensorFlow's own start-up log through to stderr."""
    parser.add_argument(
        "--verbose", action="store_true",
        help="show TensorFlow's own log messages (hidden by default)",
    )
