"""The README's optimizer sections, number by number, and its XOR ones.

The optimizer table, formulas and defaults, the Adam excerpt, the long-run
agreement and rounded-constant figures, the studies' verdicts under each
optimizer, and the XOR excerpt and verdict: each one the code computes now,
the studies' verdicts from their stored outcomes (tests/test_stored_studies.py
holds those to the code).
"""

import re

import numpy as np
import pytest
from conftest import (
    NUMBER,
    ON_THE_DOCS_KIND_OF_CPU,
    PROSE,
    as_computed_here,
    numbers_in,
    page,
    shown_block,
    shows_every_framework,
)
from test_stored_studies import stored_order_studies, stored_xor_study

from numpy_ref import MAZUR, train
from numpy_ref.optimizers import OPTIMIZERS, Optimizer
from numpy_ref.training import Training


@pytest.mark.slow
@shows_every_framework
def test_readme_optimizer_table_is_what_the_script_prints(every_optimizer_table):
    now = every_optimizer_table[0].rstrip("\n").splitlines()
    shown = shown_block("output of: python compare_implementations.py 1000 --optimizer all")
    shown = shown.splitlines()
    assert len(shown) == len(now)
    for old, new in zip(shown, now):
        assert NUMBER.sub("#", old) == NUMBER.sub("#", new), (old, new)
        numbers = list(zip(numbers_in(old), numbers_in(new)))
        if old.split()[:1] and old.split()[0] in OPTIMIZERS:
            # on the docs' kind of CPU every figure but JAX's distance is the same
            # text; elsewhere the reference's loss and updates are, and the float32
            # distances may move (each framework's kernels round by the CPU's
            # vector width) within the bound below
            kept = -1 if ON_THE_DOCS_KIND_OF_CPU else 4  # optimizer, order, loss, updates
            assert old.split()[:kept] == new.split()[:kept], (old, new)
        for a, b in numbers:
            assert a == pytest.approx(b, rel=0.5, abs=1e-8), (old, new)
    assert "Every optimizer but plain SGD gets below 0.001 within 44 updates" in PROSE
    assert "drive the loss to 1.8e-34" in PROSE


def test_readme_optimizer_formulas_name_keras_classes_and_defaults():
    for name, rule in OPTIMIZERS.items():
        assert f"| `{name}` | `{rule.class_name}(" in page("optimizers.md")
        for _, default in rule.defaults:
            assert f"{default:g}" in PROSE
    low_high = {name: rule.study_rates for name, rule in OPTIMIZERS.items()}
    assert low_high["momentum"] == low_high["nesterov"] == (0.01, 2.0)
    assert low_high["rmsprop"] == low_high["adam"] == (0.001, 1.0)
    assert "0.01 to 2 for momentum and Nesterov, 0.001 to 1 for RMSprop and Adam" in PROSE


def test_readme_adam_excerpt_is_what_the_script_prints():
    from console.explain import format_explanation
    from console.explain_sections import numpy_sections

    adam = Optimizer.named("adam")
    printed = format_explanation(
        "t", numpy_sections("parallel", optimizer=adam), "parallel", "adam"
    ).splitlines()
    excerpt = shown_block("excerpt of: python -m numpy_ref --explain --optimizer adam")
    position = 0
    for line in excerpt.splitlines():
        position = printed.index(line, position) + 1
    assert excerpt.splitlines()[-2:] == printed[-2:]
    first = train(1, "parallel", training=Training(optimizer=adam))
    steps = np.abs(
        np.concatenate(
            [
                (first.final_hidden_weights - first.hidden_weights[0]).ravel(),
                (first.final_output_weights - first.output_weights[0]).ravel(),
            ]
        )
    )
    assert np.all((0.49 < steps) & (steps <= 0.5))  # "almost exactly lr, whatever its gradient"
    sgd = train(1, "parallel")
    g1 = (sgd.hidden_weights[0, 0, 0] - sgd.final_hidden_weights[0, 0]) / 0.5
    g5 = (sgd.output_weights[0, 0, 0] - sgd.final_output_weights[0, 0]) / 0.5
    assert (
        "gradient is 187 times smaller than w5's, moves 0.496 where plain SGD moves it 0.0002"
        in PROSE
    )
    assert round(g5 / g1) == 187 and f"{steps[0]:.3f}" == "0.496" and f"{0.5 * g1:.4f}" == "0.0002"


@pytest.mark.slow
def test_readme_long_run_agreement_figures_hold():
    from console.comparison import distance
    from frameworks import tape
    from numpy_ref import Example

    rmsprop_l1 = Training(optimizer=Optimizer.named("rmsprop"), l1=1e-3)
    nudged = Example(output_weights=((np.nextafter(0.40, 1.0), 0.45), (0.50, 0.55)))
    figures = {}
    for k in (30, 200, 1000):
        reference = train(k, "parallel", training=rmsprop_l1)
        figures[("tf", k)] = distance(
            tape.train(k, "parallel", MAZUR, "float64", training=rmsprop_l1), reference
        )
        figures[("nudge", k)] = distance(
            train(k, "parallel", nudged, training=rmsprop_l1), reference
        )
    text = (
        f"grows from {figures['tf', 30]:.1e} at iteration 30 to {figures['tf', 200]:.1e}"
        f" at 200 and {figures['tf', 1000]:.1e} at 1000"
    )
    shown = re.search(r"grows from (\S+) at iteration 30 to (\S+) at 200 and (\S+) at 1000", PROSE)
    # TensorFlow's last digits may differ on another CPU: the same decade will do
    for written, ours in zip(shown.groups(), (figures["tf", k] for k in (30, 200, 1000))):
        assert abs(np.log10(float(written)) - np.log10(ours)) < 1, (text, shown.group(0))
    nudged = re.search(r"just as fast, (\S+) at 200 and (\S+) at 1000", PROSE)
    for written, k in zip(nudged.groups(), (200, 1000)):
        ours = f"{figures['nudge', k]:.1e}"
        figure = f"w5 nudged, NumPy from itself at {k}"
        assert as_computed_here(written, ours, figure), (nudged.group(0), ours)
    assert figures["tf", 200] <= 1e-12 < figures["tf", 1000]


def test_readme_rounded_constant_figures_hold():
    import keras
    import tensorflow as tf

    from frameworks import tape
    from frameworks.common import keras_floatx

    assert f"{float(np.float32(0.9)):.17g}" == "0.89999997615814209"
    assert "β1 = 0.9 reaches Adam as 0.89999997615814209" in PROSE
    penalty = float(keras.regularizers.L2(0.001)(tf.constant([1.0], tf.float64)))
    assert f"`keras.regularizers.L2(0.001)` penalises with {penalty!r}" in PROSE
    example, adam = MAZUR.with_learning_rate(0.05), Training(optimizer=Optimizer.named("adam"))
    network = tape.TapeNetwork(example, "float64", training=adam)
    with keras_floatx("float64"):
        network.optimizer = keras.optimizers.Adam(
            learning_rate=0.05, beta_1=0.9, beta_2=0.999, epsilon=1e-7
        )
    network.optimizer.build([network.hidden_kernel, network.output_kernel])
    history, _ = network.fit(300, "parallel")
    off = np.abs(history["losses"] - train(300, "parallel", example, training=adam).losses).max()
    shown = re.search(r"built from Python floats is then (\S+) off", PROSE).group(1)
    assert float(shown) == pytest.approx(off, rel=0.2)


def test_readme_optimizer_study_verdicts_are_what_the_studies_find():
    from console.study import verdict
    from numpy_ref.study import order_effect, summarise

    def study(optimizer):
        settings, outcomes = stored_order_studies()[optimizer]
        return settings, summarise(settings.learning_rates, outcomes)

    _, sgd = study("sgd")
    block = shown_block("verdicts of: python compare_implementations.py --study --optimizer NAME")
    # one entry per optimizer, "NAME: sentence", continued on indented lines
    entries = re.split(r"\n(?=\S)", block)
    lines = dict(" ".join(entry.split()).split(": ", 1) for entry in entries)
    assert list(lines) == [name for name in OPTIMIZERS if name != "sgd"]
    ratios, slower = {}, {}
    for name, sentence in lines.items():
        settings, summaries = study(name)
        assert " ".join(verdict(summaries, settings, sgd).split()).endswith(sentence)
        ratios[name] = order_effect(summaries) / order_effect(sgd)
        counted = sum(s.losses for s in summaries), sum(s.runs for s in summaries)
        slower[name] = f"{100 * counted[0] / counted[1]:.1f}%"
    assert (
        f"matter {round(ratios['adam'])} (Adam) to {round(ratios['rmsprop'])} (RMSprop)"
        " times more than SGD does"
    ) in PROSE
    assert max(ratios.values()) == ratios["rmsprop"]
    assert f"({slower['rmsprop']} of RMSprop's paired runs, {slower['adam']} of Adam's)" in PROSE


@pytest.mark.slow
def test_readme_xor_excerpt_is_what_the_reference_prints():
    from conftest import run_script

    command = "python -m numpy_ref 2000 --data xor --train-biases --init random --lr 8"
    done = run_script(*command.split()[1:])
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    excerpt = shown_block(f"excerpt of: {command}").splitlines()
    start = printed.index(excerpt[0])
    assert printed[start : start + len(excerpt)] == excerpt


def test_readme_xor_verdict_is_what_the_study_finds():
    from console.xor_study import verdict
    from numpy_ref.xor_study import summarise_setup

    settings, runs = stored_xor_study()
    sentences = verdict({run.setup: summarise_setup(run) for run in runs}, settings)
    shown = shown_block("verdict of: python compare_implementations.py --study --data xor")
    assert [" ".join(item.split()) for item in shown.split("\n- ")] == [
        "- " + sentences[0],
        *sentences[1:],
    ]
    widest = sentences[2].split("the widest gap is ")[1].split(" percentage")[0]
    assert "(sgd, trained, online, in favour of parallel)" in sentences[2]
    assert f"online, parallel solved {widest} percentage points more starts" in PROSE
    assert (
        f"{settings.starts} random starts" in PROSE
        and f"at most {settings.max_iterations} updates" in PROSE
        and f"at {settings.rates} learning rates" in PROSE
    )
