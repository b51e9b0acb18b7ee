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
    a file that could not be written: one line on stderr after the results, exit 1
"""

import json
import sys
from dataclasses import dataclass, field

from numpy_ref import MAZUR
from numpy_ref.optimizers import Optimizer
from numpy_ref.result import divergence_message

from .arguments import training_parser
from .explain import explanation_document, format_explanation
from .parser import add_verbose_argument
from .process import EXIT_DIVERGED, EXIT_WRITE_FAILED, stops_cleanly
from .report import format_report
from .settings import trainer_settings
from .terminal import quiet_tensorflow_logs


@dataclass
class Output:
    """A file (or folder) a run writes after training, named in the JSON under ``key``."""

    key: str  # the JSON field that holds the path (null when nothing is written)
    target: str = None  # what the command line asked for (None: nothing to write)
    write: object = None  # () -> (path written, line for the report, more JSON fields)
    path: str = None  # once written
    done: str = ""  # the text report's last line(s), once written
    fields: dict = field(default_factory=dict)  # more JSON fields, once written
    discard: object = None  # () -> None: removes what training already wrote

    def write_or_explain(self):
        """Write; return None, or the one line that says which file failed and why."""
        if self.target is None:
            return None
        try:
            self.path, self.done, self.fields = self.write()
        except OSError as error:
            return cannot_write(error, self.target)
        return None


def loss_notes(run):
    """The report's note when ``run`` (RunSettings) trained on another loss than the
    tutorial's: the losses printed are that loss's."""
    if run.loss == "half-sse":
        return []
    return [f"(losses above are {run.loss}, not the tutorial's half-sse)"]


def cannot_write(error, target):
    """The one line for a file or folder that could not be written."""
    return f"error: cannot write {error.filename or target}: {error.strerror or error}"


@dataclass
class Run:
    """What a trainer hands back to ``run``: the result and what goes with it."""

    result: object  # a numpy_ref TrainingResult
    header: str = ""  # printed before the report (Keras's model summary)
    notes: list = field(default_factory=list)  # printed after the report
    outputs: list = field(default_factory=list)  # Output, in order
    fields: dict = field(default_factory=dict)  # more JSON fields ({"loaded_from": path})


@dataclass
class TrainerScript:
    prog: str
    description: str  # the module docstring, shown by --help
    default_update: str
    update_help: str
    default_dtype: str
    title: str  # the report's first line
    update_notes: dict  # {update: one line on how this script makes that order}
    explain: object  # (update, example, dtype, optimizer) -> (title, sections) of console.explain
    train: object  # (TrainerSettings) -> Run
    add_options: object = None  # (parser) -> None: the script's own options
    uses_tensorflow: bool = True  # takes --verbose; TensorFlow's log is kept quiet
    replicas: bool = False  # takes --replicas (tf.distribute)
    #: {dest: why}: options that cannot train under --replicas above 1
    not_with_replicas: dict = field(default_factory=dict)
    #: (parser, TrainerSettings) -> None: the script's own checks across its options
    #: (parser.error or parser.refuse for a command line that does not hold together)
    check_options: object = None
    #: Whose optimizer formulas the script's framework follows (a
    #: numpy_ref.optimizers.FORMULAS name); where the script takes --formulas
    #: (python -m numpy_ref), that option's default
    formulas: str = "keras"

    def parser(self):
        """The script's console.parser.ArgumentParser: every option it takes."""
        parser = training_parser(self)
        if self.add_options:
            self.add_options(parser)
        if self.uses_tensorflow:
            add_verbose_argument(parser)
        return parser

    def parse(self, argv=None):
        """The TrainerSettings of the command line ``argv``; exit 2 on a bad one."""
        parser = self.parser()
        args = parser.parse_args(argv)
        settings = trainer_settings(parser, args, default_dtype=self.default_dtype)
        if settings.run.replicas > 1:
            for dest, why in self.not_with_replicas.items():
                if dest in parser.given:
                    parser.refuse(dest, f"not allowed with argument --replicas above 1 ({why})")
        if self.check_options:
            self.check_options(parser, settings)
        return settings

    def main(self, argv=None):
        """The script's main: returns its exit status."""
        return run(self, argv)

    def explain_text(self, update, example=MAZUR, dtype="float64", optimizer=Optimizer()):
        """What --explain prints: the first iteration beside the tutorial's figures."""
        title, sections = self.explain(update, example, dtype, optimizer)
        return format_explanation(title, sections, update, optimizer.name)

    def explain_document(self, update, example=MAZUR, dtype="float64", optimizer=Optimizer()):
        """What --explain --json prints, as a dict: the same values and counts."""
        title, sections = self.explain(update, example, dtype, optimizer)
        return explanation_document(title, sections, update, optimizer.name)


def _text_report(script, trained, run):
    """The text report of ``trained`` (a Run), made with ``run`` (RunSettings)."""
    parts = [trained.header] if trained.header else []
    parts.append(
        format_report(trained.result, script.title, script.update_notes[run.update], run.example)
    )
    parts += [f"\n{note}" for note in trained.notes]
    parts += [f"\n{output.done}" for output in trained.outputs if output.path]
    return "\n".join(parts)


def run(script, argv=None):
    """The whole command line of one trainer; returns the exit status."""

    @stops_cleanly
    def main(argv):
        settings = script.parse(argv)
        run = settings.run
        if script.uses_tensorflow:
            quiet_tensorflow_logs(settings.verbose)
        optimizer = run.training.optimizer
        if settings.explain and settings.json:
            document = script.explain_document(run.update, run.example, run.dtype, optimizer)
            print(json.dumps(document, indent=2))
            return 0
        if settings.explain:
            print(script.explain_text(run.update, run.example, run.dtype, optimizer))
            return 0
        if run.replicas > 1:  # logical devices, before TensorFlow starts
            from frameworks.distribute import devices

            devices(run.replicas)
        try:
            trained = script.train(settings)
        except OSError as error:  # a log that grows during training could not be started
            print(cannot_write(error, "the log"), file=sys.stderr)
            return EXIT_WRITE_FAILED
        problem = divergence_message(trained.result)
        if problem:
            for output in trained.outputs:
                if output.discard:  # a log of a diverged run is not kept
                    output.discard()
            print(problem, file=sys.stderr)
            return EXIT_DIVERGED
        # A file that cannot be written loses nothing else: the results are
        # still printed, then the failure, and the exit status says so.
        failures = [
            problem
            for problem in (output.write_or_explain() for output in trained.outputs)
            if problem
        ]
        if settings.json:
            document = {**trained.result.to_json(), **trained.fields}
            for output in trained.outputs:
                document.update({output.key: output.path, **output.fields})
            print(json.dumps(document, indent=2))
        else:
            print(_text_report(script, trained, run))
        for problem in failures:
            print(problem, file=sys.stderr)
        return EXIT_WRITE_FAILED if failures else 0

    return main(argv)
