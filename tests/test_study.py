"""The update-order study: its batched trainer, its counts, its verdict, its output."""

import contextlib
import io
import json
import os

import numpy as np
import pytest
from conftest import PROSE

import compare_implementations as compare
import plot_tensorflow_results as plot
from console.study import format_study, study_json, verdict
from figures.update_order_study import study_figure
from numpy_ref import MAZUR, Example, train
from numpy_ref.optimizers import OPTIMIZERS, Optimizer, OptimizerState
from numpy_ref.study import (
    CAPPED,
    DIVERGED,
    StudySettings,
    batch_step,
    random_starts,
    rate_grid,
    run_study,
    summarise,
    updates_to_threshold,
)
from numpy_ref.trainers import Parameters
from numpy_ref.training import Training

SMALL = StudySettings(learning_rates=(0.5, 2.0, 8.0), starts=12, seed=3, max_iterations=5000)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("update", ["parallel", "sequential"])
def test_batched_trainer_matches_the_single_network_trainers(update, optimizer):
    w_hidden, w_output = random_starts(5, seed=7, weight_range=1.0)
    rates = np.array(rate_grid(Optimizer.named(optimizer), 5))
    x, target, _, _ = MAZUR.arrays()
    losses = []
    w_h, w_o = w_hidden, w_output
    state = OptimizerState(Optimizer.named(optimizer), "float64")
    for t in range(1, 301):
        loss, w_h, w_o = batch_step(
            x,
            target,
            Parameters(w_h, w_o, *MAZUR.biases()),
            rates,
            update,
            optimizer_state=state,
            t=t,
        )
        losses.append(loss)
    losses = np.array(losses)
    for n in range(5):
        start = Example(
            hidden_weights=tuple(map(tuple, w_hidden[n])),
            output_weights=tuple(map(tuple, w_output[n])),
            learning_rate=float(rates[n]),
        )
        single = train(300, update, start, training=Training(optimizer=Optimizer.named(optimizer)))
        np.testing.assert_allclose(losses[:, n], single.losses, rtol=0, atol=1e-13)
        np.testing.assert_allclose(w_h[n], single.final_hidden_weights, rtol=0, atol=1e-12)


@pytest.mark.parametrize("update", ["parallel", "sequential"])
def test_updates_to_threshold_counts_like_the_reference(update):
    reference = train(3000, update)
    first_below = int(np.argmax(reference.losses < 1e-3))  # iteration first_below + 1
    w_h = np.array([MAZUR.hidden_weights])
    w_o = np.array([MAZUR.output_weights])
    needed = updates_to_threshold(
        w_h, w_o, np.array([0.5]), update, threshold=1e-3, max_iterations=20000
    )
    assert needed.tolist() == [first_below]


def test_capped_and_diverged_runs_are_counted_as_such():
    w_h = np.array([MAZUR.hidden_weights, MAZUR.hidden_weights])
    w_o = np.array([MAZUR.output_weights, [[np.inf, 0.0], [0.0, 0.0]]])
    needed = updates_to_threshold(
        w_h, w_o, np.array([0.5, 0.5]), "sequential", threshold=1e-3, max_iterations=10
    )
    assert needed.tolist() == [CAPPED, DIVERGED]


def test_small_study_counts_every_run_once_and_says_what_it_found():
    outcomes = run_study(SMALL)
    summaries = summarise(SMALL.learning_rates, outcomes)
    assert [s.learning_rate for s in summaries] == [0.5, 2.0, 8.0]
    for s in summaries:
        assert s.wins + s.ties + s.losses + s.neither == SMALL.starts
        assert s.median_updates["parallel"] > 0
    # a faster rate needs fewer updates
    assert summaries[0].median_updates["parallel"] > summaries[2].median_updates["parallel"]
    text = verdict(summaries, SMALL)
    wins = sum(s.wins for s in summaries)
    assert f"sequential needed fewer updates in {wins} " in text
    assert f"Over {3 * SMALL.starts} paired runs" in text
    assert all(len(line) <= 80 for line in format_study(summaries, SMALL).splitlines())


def test_default_grid_is_at_least_twenty_log_spaced_rates_from_0_05_to_10():
    rates = np.array(StudySettings().learning_rates)
    assert len(rates) >= 20 and StudySettings().starts >= 200
    assert rates[0] == pytest.approx(0.05) and rates[-1] == pytest.approx(10)
    assert np.allclose(np.diff(np.log(rates)), np.log(rates[1] / rates[0]))


@pytest.mark.slow
def test_study_from_the_comparison_script_as_json_and_table():
    args = ["--study", "--starts", "8", "--max-iterations", "4000", "--seed", "5"]
    printed = {}
    for mode in ("table", "json"):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            assert compare.main(args + ([] if mode == "table" else ["--json"])) == 0
        printed[mode] = buffer.getvalue()
    document = json.loads(printed["json"])
    assert document["settings"]["starts"] == 8 and document["settings"]["seed"] == 5
    assert len(document["learning_rates"]) == 20
    assert document["verdict"] in " ".join(printed["table"].split())
    assert all(len(line) <= 80 for line in printed["table"].splitlines())


@pytest.mark.slow
def test_plot_study_writes_its_four_panel_figure(tmp_path, capsys):
    args = ["--study", "--starts", "6", "--max-iterations", "3000", "--out-dir", str(tmp_path)]
    assert plot.main(args) == 0
    assert os.listdir(tmp_path) == ["update_order_study.png"]
    figure = study_figure(summarise(SMALL.learning_rates, run_study(SMALL)), SMALL)
    axes = figure.get_axes()
    assert len(axes) == 4
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert len(labels) == len(set(labels))


@pytest.mark.slow
def test_a_threshold_every_start_is_below_compares_nothing_and_says_so():
    settings = StudySettings(learning_rates=(0.5, 2.0), starts=5, threshold=10.0)
    summaries = summarise(settings.learning_rates, run_study(settings))
    for s in summaries:  # 0 updates in both orders: 0/0 is no ratio, and no tie
        assert (s.started_below, s.runs, s.compared, s.ties, s.both_reached) == (5, 5, 0, 0, 0)
        assert np.isnan(s.median_ratio) and np.isnan(s.ratio_quartiles).all()
        assert np.isnan(s.mean_saved) and s.median_updates["parallel"] == 0
    text = " ".join(verdict(summaries, settings).split())
    assert "10 (100.0%) started below the threshold" in text
    assert "no run compared the two orders, and there is no verdict" in text
    assert "neither order was faster" not in text and "at most" not in text
    table = format_study(summaries, settings)
    assert "1.0000" not in table and "0.00" not in table
    rows = [line.split() for line in table.splitlines() if line.startswith("    0.5")]
    assert rows == [["0.5", "0", "0", "0", "0", "0", "n/a", "n/a", "n/a", "0/0"]]
    assert "10 runs started below the threshold: nothing to compare, in no column." in table
    assert all(len(line) <= 80 for line in table.splitlines())
    document = study_json(summaries, settings)
    assert document["learning_rates"][0]["median_ratio"] is None
    assert document["learning_rates"][0]["started_below"] == 5
    ratio_ax, saved_ax = study_figure(summaries, settings).get_axes()[1::2]
    for ax in (ratio_ax, saved_ax):
        assert not any(np.isfinite(line.get_ydata()).any() for line in ax.get_lines()[:1])
        notes = [text.get_text() for text in ax.texts]
        assert notes == ["n/a: every start was already below the threshold"]


def test_a_start_below_the_threshold_is_no_tie_and_no_ratio():
    w_hidden, w_output = random_starts(6, 0, 1.0)
    losses = [
        train(1, "parallel", Example(hidden_weights=h, output_weights=o)).losses[0]
        for h, o in zip(w_hidden, w_output)
    ]
    threshold = float(np.median(losses))  # half the starts are below it already
    settings = StudySettings(learning_rates=(0.5,), starts=6, threshold=threshold)
    outcomes = run_study(settings)
    (s,) = summarise(settings.learning_rates, outcomes)
    seq, par = outcomes["sequential"][0], outcomes["parallel"][0]
    below = (seq == 0) & (par == 0)
    assert s.started_below == int(np.sum(below)) == int(np.sum(np.array(losses) < threshold))
    assert s.started_below == 3 and s.runs == 6 and s.compared == 3
    assert s.ties == int(np.sum((seq == par) & ~below))
    assert s.median_ratio == np.median(seq[~below] / par[~below])


def test_the_comparison_script_says_a_study_compared_nothing():
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert compare.main(["--study", "--threshold", "5", "--starts", "5"]) == 0
    table = printed.getvalue()
    assert "1.0000" not in table and " n/a " in table
    assert "neither order was faster" not in table
    said = (
        "no run compared the two orders, and there is no verdict (choose a --threshold"
        " below the starts' losses, not 5)"
    )
    assert said in " ".join(table.split())
    assert f'its verdict says so: "{said}"' in PROSE  # docs/update-orders.md


@pytest.mark.slow
def test_plot_study_under_an_optimizer_names_its_file_and_title(tmp_path, capsys):
    args = [
        "--study",
        "--optimizer",
        "adam",
        "--starts",
        "4",
        "--max-iterations",
        "3000",
        "--out-dir",
        str(tmp_path),
    ]
    assert plot.main(args) == 0
    assert os.listdir(tmp_path) == ["update_order_study_adam.png"]
    assert capsys.readouterr().out == f"wrote {tmp_path / 'update_order_study_adam.png'}\n"
    adam = Optimizer.named("adam")
    settings = StudySettings(learning_rates=rate_grid(adam, 3), optimizer=adam, starts=4)
    figure = study_figure(summarise(settings.learning_rates, run_study(settings)), settings)
    assert (
        figure.get_suptitle() == "Update-order study under adam (beta1 0.9, beta2 0.999,"
        " epsilon 1e-07)"
    )
