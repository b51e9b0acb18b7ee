"""The main that the three trainer command lines share: parse, explain or train, report.

``python -m numpy_ref``, ``ann_tensorflow.py`` and ``ann_keras.py`` each
describe themselves with a TrainerScript (their options, how they explain the
first iteration, how they train) and hand it to ``run``, which does the rest
the same way for all three:

    parse the arguments (exit 2 on a bad one, before TensorFlow is imported)
    --explain: print the first iteration and stop
    train; a diverged run is one line on stderr and exit 1
    write the files the run asked for (a saved model, a TensorBoard log)
    print the results: the text report, or one JSON document with --json
"""

import json
import sys
from dataclasses import dataclass, field

from numpy_ref import MAZUR

from .arguments import add_verbose_argument, parse_training_args, training_parser
from .process import EXIT_DIVERGED, quiet_tensorflow_logs, stops_cleanly
from .report import divergence_message, format_report


@dataclass
class Output:
    """A file a run writes after training, named in the JSON under ``key``."""

    key: str  # the JSON field that holds the path (null when nothing is written)
    path: str = None
    write: object = None  # () -> None; writes ``path``
    done: str = ""  # the line the text report ends with once written


@dataclass
class Run:
    """What a trainer hands back to ``run``: the result and what goes with it."""

    result: object  # a numpy_ref TrainingResult
    header: str = ""  # printed before the report (Keras's model summary)
    notes: list = field(default_factory=list)  # printed after the report
    outputs: list = field(default_factory=list)  # Output, in order


@dataclass
class TrainerScript:
    prog: str
    description: str  # the module docstring, shown by --help
    default_update: str
    update_help: str
    default_dtype: str
    title: str  # the report's first line
    update_notes: dict  # {update: one line on how this script makes that order}
    explain: object  # (update, example, dtype) -> the --explain text
    train: object  # (args, example) -> Run
    add_options: object = None  # (parser) -> None: the script's own options
    uses_tensorflow: bool = True  # takes --verbose; TensorFlow's log is kept quiet

    def parse(self, argv=None):
        parser = training_parser(self.prog, self.description, self.default_update,
                                 self.update_help, self.default_dtype)
        if self.add_options:
            self.add_options(parser)
        if self.uses_tensorflow:
            add_verbose_argument(parser)
        return parse_training_args(parser, argv)

    def main(self, argv=None):
        """The script's main: returns its exit status."""
        return run(self, argv)


def _text_report(script, run, args, example):
    parts = [run.header] if run.header else []
    parts.append(format_report(run.result, script.title, script.update_notes[args.update],
                               example))
    parts += [f"\n{note}" for note in run.notes]
    parts += [f"\n{output.done}" for output in run.outputs if output.path]
    return "\n".join(parts)


def run(script, argv=None):
    """The whole command line of one trainer; returns the exit status."""

    @stops_cleanly
    def main(argv):
        args = script.parse(argv)
        if script.uses_tensorflow:
            quiet_tensorflow_logs(args.verbose)
        example = MAZUR.with_learning_rate(args.lr)
        if args.explain:
            print(script.explain(args.update, example, args.dtype))
            return 0
        trained = script.train(args, example)
        problem = divergence_message(trained.result)
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_DIVERGED
        for output in trained.outputs:
            if output.path and output.write:
                output.write()
        if args.json:
            document = trained.result.to_json()
            document.update({output.key: output.path for output in trained.outputs})
            print(json.dumps(document, indent=2))
        else:
            print(_text_report(script, trained, args, example))
        return 0

    return main(argv)
