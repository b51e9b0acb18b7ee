"""--explain: the first iteration beside the tutorial's published figures."""

import pytest
from conftest import run_script

from numpy_ref import MAZUR
from console.explain import PUBLISHED, agrees, format_explanation, numpy_sections


def lines_named(text, name):
    return [line for line in text.splitlines() if line.strip().startswith(name + " ")]


def test_agreement_is_at_the_printed_precision():
    assert agrees(0.0008771354, "0.00087714")
    assert agrees(0.7513650695523157, "0.75136507")
    assert not agrees(0.14978071, "0.14981764")
    assert not agrees(0.2983711, "0.298371109")


@pytest.mark.parametrize("update", ["parallel", "sequential"])
def test_numpy_explanation_agrees_with_every_published_figure(update):
    text = format_explanation("t", numpy_sections(update), update)
    assert text.endswith("25 of 25 published figures agree at the tutorial's precision.")
    assert " NO" not in text
    # each gradient with the chain-rule product it comes from
    assert ("= dE/dout_o1 · dout_o1/dnet_o1 · dnet_o1/dw5 "
            "= 0.741365070 · 0.186815602 · 0.593269992") in text.replace("\n      = 0.74", " = 0.74")


def test_numpy_sequential_shows_both_hidden_gradients():
    text = format_explanation("t", numpy_sections("sequential"), "sequential")
    old = lines_named(text, "dE/dw1")[0].split()
    new = lines_named(text, "dE/dw1 (new)")[0].split()
    assert old[1] == "0.000438568" and old[2] == PUBLISHED["dE/dw1"] and old[3] == "yes"
    assert new[2] == "0.000364723"  # through w5+..w8+: smaller, so w1 moves less
    assert lines_named(text, "w1+")[0].split()[1:] == ["0.149817639", "0.14981764", "yes"]
    parallel = format_explanation("t", numpy_sections("parallel"), "parallel")
    assert not lines_named(parallel, "dE/dw1 (new)")
    assert lines_named(parallel, "w1+")[0].split()[1:] == ["0.149780716", "0.149780716", "yes"]


@pytest.mark.parametrize("update", ["parallel", "sequential"])
def test_tensorflow_tape_explanation_agrees(update):
    import ann_tensorflow

    text = ann_tensorflow.explain(update, MAZUR, "float64")
    assert "Every gradient below is the tape's." in text
    assert text.endswith("25 of 25 published figures agree at the tutorial's precision.")
    if update == "sequential":
        assert lines_named(text, "dE/dw4 (new)")[0].split()[2] == "0.000847259"


@pytest.mark.parametrize("update", ["parallel", "sequential"])
def test_keras_explanation_agrees(update):
    import ann_keras

    text = ann_keras.explain(update, MAZUR, "float64")
    assert text.endswith("25 of 25 published figures agree at the tutorial's precision.")
    assert bool(lines_named(text, "dE/dw2 (new)")) == (update == "sequential")


def test_float32_cannot_reach_the_tutorials_nine_digits():
    import ann_tensorflow

    text = ann_tensorflow.explain("parallel", MAZUR, "float32")
    agreed = int(text.rsplit("\n", 1)[1].split()[0])
    assert agreed < 25


def test_explain_from_the_command_line():
    done = run_script("-m", "numpy_ref", "--explain", "--update", "sequential", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "25 of 25 published figures agree" in done.stdout
    assert all(len(line) <= 80 for line in done.stdout.splitlines())
