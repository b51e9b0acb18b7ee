"""The studies' stored outcomes (docs/*-study-outcomes.npz), from which the tests of
the docs compute the studies' verdicts: made with the docs' settings, and what the
code gives now on every tenth start of every set-up, optimizer and learning rate.

The full studies take about 105 CPU seconds; every tenth start takes about 20.
Each network trains alone in its batch (no arithmetic mixes two networks), so a
start's outcome does not depend on which other starts train beside it.
"""

import functools
import os
from dataclasses import asdict, replace

import numpy as np
import pytest
from conftest import ROOT

import compare_implementations
from numpy_ref import study, xor_study
from numpy_ref.cpu import numpy_exp
from numpy_ref.optimizers import OPTIMIZERS, Optimizer
from numpy_ref.study import StudySettings, run_study
from numpy_ref.xor_study import SETUPS, SetupRun, XorStudySettings, run_xor_study

XOR_OUTCOMES = os.path.join(ROOT, "docs", "xor-study-outcomes.npz")
ORDER_OUTCOMES = os.path.join(ROOT, "docs", "order-study-outcomes.npz")
REMAKE = "a study's outcomes moved: python docs/make_study_outcomes.py"
SAMPLE = 10  # every tenth start is trained again
ROUNDING = 1e-15  # relative: learning rates a unit or two in their last place apart


@functools.cache
def made_with_this_exp(path):
    """Whether the stored file was made where NumPy's exp is this CPU's (its
    ``numpy_exp``, numpy_ref/cpu.py): then its rates and outcomes are this
    machine's to the bit."""
    with np.load(path) as stored:
        return stored["numpy_exp"].item() == numpy_exp()


def same_rates(stored, code, path):
    """Whether stored learning rates are the code's: equal, or, made with the other
    exp, a rounding apart (np.logspace's powers are NumPy's own vector code too)."""
    if made_with_this_exp(path):
        return tuple(stored) == tuple(code)
    return np.allclose(stored, code, rtol=ROUNDING, atol=0)


def same_settings(stored, code, path):
    """Whether a stored study's settings are the code's, its rates as same_rates says."""
    return replace(stored, learning_rates=code.learning_rates) == code and same_rates(
        stored.learning_rates, code.learning_rates, path
    )


def assert_same_outcomes(now, then, path):
    """Outcomes trained now are the stored ones: equal, or, made with the other exp,
    a start near the threshold may reach it one update sooner or later (never
    crossing from solved to capped or diverged), at most 2 in 100 starts."""
    if made_with_this_exp(path):
        np.testing.assert_array_equal(now, then, err_msg=REMAKE)
        return
    moved = now != then
    one_update = (np.abs(now.astype(int) - then) == 1) & (now >= 0) & (then >= 0)
    assert np.all(one_update | ~moved) and moved.mean() <= 0.02, (REMAKE, np.argwhere(moved))


def _settings(stored, kind, **fields):
    """``kind`` with ``fields``, and the stored values of its other fields."""
    names = [name for name in asdict(kind()) if name in stored.files and name not in fields]
    return kind(**fields, **{name: stored[name].item() for name in names})


@functools.cache
def stored_xor_study():
    """(XorStudySettings, [SetupRun]) of the stored XOR study, in SETUPS' order; each
    SetupRun without its final parameters, which are not stored (read once: every
    test only reads it)."""
    with np.load(XOR_OUTCOMES) as stored:
        assert list(stored["setups"]) == [setup.label for setup in SETUPS], REMAKE
        runs = [
            SetupRun(setup, tuple(rates), updates.astype(int), final=None)
            for setup, rates, updates in zip(
                SETUPS, stored["learning_rates"], stored["updates"], strict=True
            )
        ]
        return _settings(stored, XorStudySettings), runs


@functools.cache
def stored_order_studies():
    """{optimizer: (StudySettings, {update order: (rates, starts) outcomes})} of the
    stored order studies, one per optimizer of OPTIMIZERS (read once: every test only
    reads it)."""
    with np.load(ORDER_OUTCOMES) as stored:
        assert list(stored["optimizers"]) == list(OPTIMIZERS), REMAKE
        studies = {}
        for name, rates, outcomes in zip(
            OPTIMIZERS, stored["learning_rates"], stored["updates"], strict=True
        ):
            chosen = Optimizer.named(name)
            settings = _settings(
                stored, StudySettings, learning_rates=tuple(rates), optimizer=chosen
            )
            orders = dict(zip(stored["orders"], outcomes.astype(int), strict=True))
            studies[name] = settings, orders
        return studies


def every_tenth(starts):
    """random_starts, drawn as for the full study, with every tenth start kept."""
    return lambda count, seed, weight_range: tuple(
        weights[::SAMPLE] for weights in starts(count * SAMPLE, seed, weight_range)
    )


def commanded(*options):
    """The study that ``python compare_implementations.py --study OPTIONS`` trains."""
    return compare_implementations.parse_args(["--study", *options]).study


def test_the_stored_xor_study_has_the_docs_settings_and_rates():
    settings, runs = stored_xor_study()
    assert settings == commanded("--data", "xor") == XorStudySettings(), REMAKE
    for run in runs:
        code = settings.learning_rates(run.setup.optimizer)
        assert same_rates(run.learning_rates, code, XOR_OUTCOMES), REMAKE
        assert run.updates.shape == (settings.rates, settings.starts)


def test_the_stored_order_studies_have_the_docs_settings_and_rates():
    for name, (settings, outcomes) in stored_order_studies().items():
        assert same_settings(settings, commanded("--optimizer", name), ORDER_OUTCOMES), REMAKE
        assert {order: o.shape for order, o in outcomes.items()} == {
            order: (len(settings.learning_rates), settings.starts)
            for order in ("sequential", "parallel")
        }


@pytest.mark.slow
def test_the_stored_xor_outcomes_are_the_codes_on_every_tenth_start(monkeypatch):
    settings, stored = stored_xor_study()
    monkeypatch.setattr(xor_study, "random_starts", every_tenth(xor_study.random_starts))
    # One thread: at a tenth of the starts an update's arrays are small, and a second
    # thread only fought the first for Python's lock (this test alone: 13.6 s of CPU
    # and of wall time with one, 26.5 s of CPU and 16.9 s of wall time with two).
    # tests/test_xor_study.py trains in two threads.
    fresh = run_xor_study(replace(settings, starts=settings.starts // SAMPLE), workers=1)
    for now, then in zip(fresh, stored, strict=True):
        assert_same_outcomes(now.updates, then.updates[:, ::SAMPLE], XOR_OUTCOMES)


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_the_stored_order_outcomes_are_the_codes_on_every_tenth_start(monkeypatch, optimizer):
    settings, stored = stored_order_studies()[optimizer]
    monkeypatch.setattr(study, "random_starts", every_tenth(study.random_starts))
    fresh = run_study(replace(settings, starts=settings.starts // SAMPLE))
    for order, outcomes in fresh.items():
        assert_same_outcomes(outcomes, stored[order][:, ::SAMPLE], ORDER_OUTCOMES)
