"""explore.py's command line: its options, and the settings the page is made with.

The page shows every optimizer in both orders, so it takes no --optimizer
or --update; the rest is what the trainers take, as far as a page of
float64 NumPy runs can use it: --lr, the data options, the optimizers'
hyperparameters and whose formulas they follow.
"""

import shlex
import sys
from argparse import Namespace
from dataclasses import dataclass

from numpy_ref.example import Example
from numpy_ref.optimizers import OPTIMIZERS, Optimizer

from .argument_types import file_path, whole_number
from .arguments import (
    add_data_arguments,
    add_formulas_argument,
    add_hyperparameter_arguments,
    add_learning_rate_argument,
)
from .parser import ArgumentParser
from .settings import example_from, optimizer_from

#: Every iteration of every run is in the page, about 2 MB per 1000 iterations:
#: more than this would make a page no browser opens comfortably.
MAX_PAGE_ITERATIONS = 20_000


@dataclass(frozen=True)
class ExplorerSettings:
    """explore.py's command line: what trains, and where the page goes."""

    iterations: int
    example: Example
    optimizers: tuple[Optimizer, ...]  # each shown in both orders
    out: str  # the HTML file
    command: str  # the command line as given, which the page names


def explorer_parser(description: str) -> ArgumentParser:
    """explore.py's parser; ``description`` is the script's docstring (--help)."""
    parser = ArgumentParser("explore.py", description)
    parser.set_defaults(formulas="keras")
    parser.add_argument(
        "iterations",
        nargs="?",
        type=whole_number(1, MAX_PAGE_ITERATIONS),
        default=1000,
        metavar="ITERATIONS",
        help=f"training updates the page shows, at most {MAX_PAGE_ITERATIONS} (default: 1000)",
    )
    parser.add_argument(
        "--out",
        type=file_path(".html"),
        default="explorer.html",
        metavar="FILE",
        help="the page to write, whole or not at all (default: explorer.html)",
    )
    add_learning_rate_argument(parser)
    add_data_arguments(parser)
    group = parser.add_argument_group(
        "optimizers",
        f"the page shows {', '.join(OPTIMIZERS)}, each in both orders, with these"
        " hyperparameters where they use them",
    )
    add_hyperparameter_arguments(group)
    add_formulas_argument(parser)
    return parser


def explorer_settings(
    parser: ArgumentParser, args: Namespace, argv: list[str] | None
) -> ExplorerSettings:
    """The ExplorerSettings of the parsed command line ``argv`` (None: sys.argv's)."""
    given = sys.argv[1:] if argv is None else argv
    return ExplorerSettings(
        iterations=args.iterations,
        example=example_from(parser, args),
        optimizers=tuple(optimizer_from(name, args, formulas=args.formulas) for name in OPTIMIZERS),
        out=args.out,
        command=shlex.join(["python", "explore.py", *given]),
    )


def settings_text(settings: ExplorerSettings) -> str:
    """What the page says about the settings that made it, in one sentence."""
    example = settings.example
    samples = f"{example.samples} sample{'s' * (example.samples != 1)}"
    start = "the tutorial's" if example.init == "mazur" else f"random, seed {example.seed}"
    starts = f"b1 = {example.hidden_bias:g}, b2 = {example.output_bias:g}"
    biases = f"trained from {starts}" if example.train_biases else f"constant, {starts}"
    return (
        f"{settings.iterations} iterations of numpy_ref in float64, learning rate"
        f" {example.learning_rate:g}; data {example.data.name} ({samples}, batches of"
        f" {example.batch}); starting weights {start}; biases {biases}; optimizers"
        f" {'; '.join(optimizer.describe() for optimizer in settings.optimizers)}."
    )
