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
from numpy_ref.optimizers import OPTIMIZERS, Optimizer
from numpy_ref.study import StudySettings, run_study
from numpy_ref.xor_study import SETUPS, SetupRun, XorStudySettings, run_xor_study

XOR_OUTCOMES = os.path.join(ROOT, "docs", "xor-study-outcomes.npz")
ORDER_OUTCOMES = os.path.join(ROOT, "docs", "order-study-outcomes.npz")
REMAKE = "a study's outcomes moved: python docs/make_study_outcomes.py"
SAMPLE = 10  # every tenth start is trained again


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
        assert run.learning_rates == settings.learning_rates(run.setup.optimizer), REMAKE
        assert run.updates.shape == (settings.rates, settings.starts)


def test_the_stored_order_studies_have_the_docs_settings_and_rates():
    for name, (settings, outcomes) in stored_order_studies().items():
        assert settings == commanded("--optimizer", name), REMAKE
        assert {order: o.shape for order, o in outcomes.items()} == {
            order: (len(settings.learning_rates), settings.starts)
            for order in ("sequential", "parallel")
        }


@pytest.mark.slow
def test_the_stored_xor_outcomes_are_the_codes_on_every_tenth_start(monkeypatch):
    settings, stored = stored_xor_study()
    monkeypatch.setattr(xor_study, "random_starts", every_tenth(xor_study.random_starts))
    fresh = run_xor_study(replace(settings, starts=settings.starts // SAMPLE), workers=2)
    for now, then in zip(fresh, stored, strict=True):
        np.testing.assert_array_equal(now.updates, then.updates[:, ::SAMPLE], err_msg=REMAKE)


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_the_stored_order_outcomes_are_the_codes_on_every_tenth_start(monkeypatch, optimizer):
    settings, stored = stored_order_studies()[optimizer]
    monkeypatch.setattr(study, "random_starts", every_tenth(study.random_starts))
    fresh = run_study(replace(settings, starts=settings.starts // SAMPLE))
    for order, outcomes in fresh.items():
        np.testing.assert_array_equal(outcomes, stored[order][:, ::SAMPLE], err_msg=REMAKE)
