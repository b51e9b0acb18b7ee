"""The XOR study: its arithmetic against the single-network trainer, its text and files."""

import csv
import io
import json
import threading
from dataclasses import replace

import numpy as np
import pytest
from conftest import run_script

from console.xor_study import format_xor_csv, format_xor_study, verdict, xor_json
from numpy_ref import MAZUR, train, xor_study
from numpy_ref.data import XOR_DATA
from numpy_ref.study import CAPPED
from numpy_ref.xor_study import (
    SETUPS,
    XorStudySettings,
    best,
    random_starts,
    run_xor_study,
    solved,
    summarise_setup,
    train_setup,
)

SMALL = XorStudySettings(starts=12, max_iterations=800, rates=3)


@pytest.fixture(scope="module")
def small_study():
    runs = run_xor_study(SMALL, workers=2)
    return {run.setup: summarise_setup(run) for run in runs}, runs


def _single_network(setup, start, rate, iterations):
    """The same start trained alone by numpy_ref.train."""
    w_hidden, w_output = random_starts(SMALL.starts, SMALL.seed, 1.0)
    example = replace(
        MAZUR,
        data=XOR_DATA,
        train_biases=setup.train_biases,
        batch_size=setup.batch_size,
        learning_rate=rate,
        hidden_weights=tuple(map(tuple, w_hidden[start])),
        output_weights=tuple(map(tuple, w_output[start])),
    )
    from numpy_ref.optimizers import Optimizer
    from numpy_ref.training import Training

    return train(
        iterations,
        setup.update,
        example,
        training=Training(optimizer=Optimizer.named(setup.optimizer)),
    )


@pytest.mark.slow
@pytest.mark.parametrize("setup", [SETUPS[0], SETUPS[3], SETUPS[-2]], ids=lambda s: s.label)
def test_each_network_solves_when_the_single_trainer_says_so(small_study, setup):
    _, runs = small_study
    run = next(r for r in runs if r.setup == setup)
    checked = 0
    for rate_index, rate in enumerate(run.learning_rates):
        for start in np.flatnonzero(run.updates[rate_index] > 0)[:2]:
            updates = int(run.updates[rate_index, start])
            at = _single_network(setup, start, rate, updates)
            before = _single_network(setup, start, rate, updates - 1)
            assert solved(at.predictions, at.targets)
            assert not solved(before.predictions, before.targets)
            network = rate_index * SMALL.starts + start
            np.testing.assert_allclose(
                run.final.w_hidden[network], at.final_hidden_weights, rtol=0, atol=1e-12
            )
            np.testing.assert_allclose(
                run.final.b_output[network], at.final_biases[1], rtol=0, atol=1e-12
            )
            checked += 1
    assert checked, "no start solved XOR in the small study"


@pytest.mark.slow
def test_a_stuck_network_is_still_unsolved_at_the_limit(small_study):
    _, runs = small_study
    run = runs[0]
    rate_index, start = map(int, np.argwhere(run.updates == CAPPED)[0])
    alone = _single_network(run.setup, start, run.learning_rates[rate_index], SMALL.max_iterations)
    assert not solved(alone.predictions, alone.targets)


def test_two_threads_give_what_one_gives(small_study):
    _, runs = small_study
    again = [train_setup(setup, SMALL) for setup in SETUPS[:2]]
    for one, two in zip(again, runs):
        np.testing.assert_array_equal(one.updates, two.updates)


def test_an_interrupt_stops_every_thread_at_its_next_update(monkeypatch):
    """Ctrl-C as the first set-up ends: the set-ups training beside it stop at their
    next update (each is held at its second one until then), long before their
    20,000 updates, and none is left to start."""
    another_started, interrupted = threading.Event(), threading.Event()
    ended = {}  # each set-up that started: "finished" or "stopped"
    real_train_setup = xor_study.train_setup

    def watched(setup, settings, steps):
        def held(count, label):
            for t in steps(count, label):
                if setup == SETUPS[0]:  # the first ends once another is in flight
                    assert t > 0 or another_started.wait(timeout=60)
                elif t == 0:
                    another_started.set()
                elif t == 1:
                    assert interrupted.wait(timeout=60)
                yield t

        if setup != SETUPS[0]:
            settings = replace(settings, max_iterations=20_000)
        try:
            run = real_train_setup(setup, settings, held)
        except xor_study.Stopped:
            ended[setup.label] = "stopped"
            raise
        ended[setup.label] = "finished"
        return run

    def interrupt(run):
        interrupted.set()
        raise KeyboardInterrupt

    monkeypatch.setattr(xor_study, "train_setup", watched)
    with pytest.raises(KeyboardInterrupt):
        run_xor_study(XorStudySettings(starts=4, max_iterations=50, rates=2), 2, interrupt)
    assert ended.pop(SETUPS[0].label) == "finished"
    # the other set-up in flight, and at most one the freed thread took up meanwhile
    assert 1 <= len(ended) <= 2 and set(ended.values()) == {"stopped"}, ended


@pytest.mark.slow
def test_the_verdict_is_computed_from_the_outcomes(small_study):
    summaries, _ = small_study
    sentences = verdict(summaries, SMALL)
    assert [s.split(":")[0] for s in sentences] == [
        "Biases",
        "Batches",
        "Order",
        "Optimizers, with trained biases and full batches",
    ]
    top = best(summaries[SETUPS[0]])
    if top.solved:
        assert (
            f"{100 * top.share:.0f}% (lr {top.learning_rate:g}, median"
            f" {top.median_updates:.0f} updates) sequential"
        ) in sentences[0]
    assert (
        f"within {SMALL.max_iterations} updates ({SMALL.max_iterations // 4} passes" in sentences[1]
    )


def test_json_and_csv_hold_every_setup_and_rate(small_study):
    summaries, _ = small_study
    document = xor_json(summaries, SMALL)
    assert len(document["setups"]) == len(SETUPS) == 12
    assert all(len(s["learning_rates"]) == SMALL.rates for s in document["setups"])
    rows = list(csv.DictReader(io.StringIO(format_xor_csv(document))))
    assert len(rows) == 12 * SMALL.rates
    first = document["setups"][0]["learning_rates"][0]
    assert float(rows[0]["share"]) == first["share"]
    table = format_xor_study(summaries, SMALL)
    assert table.count("trained, full, seq") == 3  # sgd, momentum, adam
    assert max(len(line) for line in table.splitlines()) <= 80


def test_the_study_on_the_command_line():
    done = run_script(
        "compare_implementations.py",
        "--study",
        "--data",
        "xor",
        "--starts",
        "10",
        "--max-iterations",
        "100",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["settings"]["starts"] == 10
    assert len(document["verdict"]) == 4


@pytest.mark.parametrize(
    "args, message",
    [
        (["--optimizer", "adam"], "argument --optimizer: not used by the XOR study"),
        (["--momentum", "0.5"], "argument --momentum: not used by the XOR study"),
        (["--threshold", "0.1"], "argument --threshold: not used by the XOR study"),
        (["--train-biases"], "argument --train-biases: not allowed with argument --study"),
        (["--batch-size", "1"], "argument --batch-size: not allowed with argument --study"),
    ],
)
def test_the_xor_study_refuses_what_it_would_ignore(args, message):
    done = run_script("compare_implementations.py", "--study", "--data", "xor", *args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.splitlines()) == 1


@pytest.mark.slow
def test_a_study_of_a_csv_is_refused(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("i1,i2,t1,t2\n0,0,0,1\n")
    for script in ("compare_implementations.py", "plot_tensorflow_results.py"):
        done = run_script(script, "--study", "--data", str(path))
        assert done.returncode == 2
        assert done.stderr.strip().endswith(f"not {path}") or "invalid choice" in done.stderr


@pytest.mark.slow
def test_the_plot_writes_xor_study_png(tmp_path):
    done = run_script(
        "plot_tensorflow_results.py",
        "--study",
        "--data",
        "xor",
        "--starts",
        "10",
        "--max-iterations",
        "100",
        "--out-dir",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {tmp_path / 'xor_study.png'}"
    from PIL import Image

    with Image.open(tmp_path / "xor_study.png") as image:
        assert image.size == (1000, 800)


def test_data_without_study_is_refused_by_the_plot():
    done = run_script("plot_tensorflow_results.py", "--data", "xor")
    assert done.returncode == 2
    assert "argument --data: only allowed with argument --study" in done.stderr


def test_a_study_that_solves_nothing_says_so():
    settings = XorStudySettings(starts=1, max_iterations=1, rates=2)
    runs = run_xor_study(settings)
    sentences = verdict({run.setup: summarise_setup(run) for run in runs}, settings)
    assert "widest gap" not in sentences[2]
    assert sentences[3].endswith("None of them solved XOR from any start.")
    assert "within 1 update (0.25 passes over the data online)" in sentences[1]
