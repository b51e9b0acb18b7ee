"""The page: the runs packed as data, inlined with page.js and page.css into page.html.

Nothing on the page asks the network for anything: its script, its styles and
its numbers are all in the one file.  Each run's numbers travel as float64
bytes (little-endian) in base64, every bit of them, about 11 characters a
number: a 1000-iteration page is about 2 MB.
"""

import base64
import html
import json
import re
from pathlib import Path

import numpy as np

from numpy_ref.example import Example
from numpy_ref.optimizers import Optimizer

from .runs import Trace, parameter_names

HERE = Path(__file__).parent


def packed(trace: Trace) -> str:
    """Base64 of the run's float64 numbers: states, then gradients, then losses."""
    numbers = np.concatenate([trace.parameters.ravel(), trace.gradients.ravel(), trace.losses])
    return base64.b64encode(numbers.astype("<f8").tobytes()).decode("ascii")


def page_data(example: Example, traces: list[Trace], iterations: int) -> dict[str, object]:
    """What the page's script reads: the data set, the optimizers and every run."""
    optimizers: dict[str, Optimizer] = {trace.optimizer.name: trace.optimizer for trace in traces}
    return {
        "iterations": iterations,
        "names": list(parameter_names(example)),
        "inputs": [list(row) for row in example.inputs],
        "targets": [list(row) for row in example.targets],
        "batch": example.batch,
        "learningRate": example.learning_rate,
        "trainBiases": example.train_biases,
        "biases": [
            example.hidden_bias,
            example.output_bias,
        ],  # where b_h1, b_h2 and b_o1, b_o2 start
        "optimizers": [
            {"name": name, "described": optimizer.describe(), "formula": optimizer.rule.formula}
            for name, optimizer in optimizers.items()
        ],
        "runs": {f"{trace.optimizer.name}/{trace.update}": packed(trace) for trace in traces},
    }


def script_safe(document: str) -> str:
    """JSON that can stand inside a <script> element: no '</' to end it early."""
    return document.replace("</", "<\\/")


def page(data: dict[str, object], *, command: str, settings: str) -> str:
    """The whole HTML page: ``command`` and ``settings`` say what made it."""
    filled = {
        "style": (HERE / "page.css").read_text(encoding="utf-8"),
        "script": (HERE / "page.js").read_text(encoding="utf-8"),
        "command": html.escape(command),
        "settings": html.escape(settings),
        "data": script_safe(json.dumps(data, separators=(",", ":"), allow_nan=False)),
    }
    template = (HERE / "page.html").read_text(encoding="utf-8")
    # one pass: what is filled in is never read for markers again
    return re.sub(r"\{\{(\w+)\}\}", lambda marker: filled[marker.group(1)], template)
