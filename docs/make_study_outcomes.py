"""Write the studies' stored outcomes, which the tests read instead of training the
studies again: every network's outcome in each study that the docs quote.

- docs/xor-study-outcomes.npz: python compare_implementations.py --study --data xor
  (docs/data-and-batches.md): 12 set-ups x 6 learning rates x 1000 starts, about
  80 CPU seconds;
- docs/order-study-outcomes.npz: python compare_implementations.py --study
  --optimizer NAME, for every optimizer (docs/update-orders.md, docs/optimizers.md):
  both orders x 20 learning rates x 200 starts each, about 25 CPU seconds.

The tests compute the verdicts from these files, and hold the files to the code by
training every tenth start of every set-up, optimizer and rate afresh
(tests/test_stored_studies.py): a change to a study's arithmetic that moves any
of those outcomes fails there, and this script writes the files anew.

    python docs/make_study_outcomes.py            # both files
    python docs/make_study_outcomes.py xor        # one of them: xor or orders

Each file holds ``updates`` (updates to solve XOR or to reach the threshold, or
CAPPED, or DIVERGED), the learning rates, what names each row (set-up or optimizer),
the study's settings and ``numpy_exp``: whose float64 exp NumPy computed with
(numpy_ref/cpu.py). Made on a CPU whose exp is the other one, a few starts near
the threshold reach it one update sooner or later, and the tests allow that.
"""

import os
import sys
from dataclasses import asdict
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import compare_implementations  # noqa: E402
from console.parser import ArgumentParser  # noqa: E402
from numpy_ref.cpu import numpy_exp  # noqa: E402
from numpy_ref.optimizers import OPTIMIZERS  # noqa: E402
from numpy_ref.study import run_study  # noqa: E402
from numpy_ref.xor_study import run_xor_study  # noqa: E402
from support.files import atomic_output  # noqa: E402

#: The order in which the order study's outcomes are stacked.
ORDERS = ("sequential", "parallel")


def study_settings(*options: str) -> Any:
    """The study that ``python compare_implementations.py --study OPTIONS`` trains, as
    that script's own reader of its command line makes it."""
    return compare_implementations.parse_args(["--study", *options]).study


def xor_arrays() -> dict[str, Any]:
    settings = study_settings("--data", "xor")
    runs = run_xor_study(settings, workers=os.cpu_count() or 1)
    return {
        "updates": np.stack([run.updates for run in runs]).astype(np.int16),  # -2 to 2000
        "learning_rates": np.array([run.learning_rates for run in runs]),
        "setups": np.array([run.setup.label for run in runs]),
        **asdict(settings),
        "numpy_exp": numpy_exp(),  # whose exp made it: numpy_ref/cpu.py
    }


def order_arrays() -> dict[str, Any]:
    settings = {name: study_settings("--optimizer", name) for name in OPTIMIZERS}
    studies = [run_study(chosen) for chosen in settings.values()]
    shared = asdict(settings["sgd"])
    return {
        # (optimizers, ORDERS, rates, starts): -2 to 20000
        "updates": np.array([[study[order] for order in ORDERS] for study in studies]).astype(
            np.int16
        ),
        "learning_rates": np.array([chosen.learning_rates for chosen in settings.values()]),
        "optimizers": np.array(list(OPTIMIZERS)),
        "orders": np.array(ORDERS),
        **{
            name: shared[name]
            for name in ("starts", "seed", "threshold", "max_iterations", "weight_range")
        },
        "numpy_exp": numpy_exp(),  # whose exp made it: numpy_ref/cpu.py
    }


#: Each stored study: the file, relative to ROOT, and what trains it.
STUDIES = {
    "xor": ("docs/xor-study-outcomes.npz", xor_arrays),
    "orders": ("docs/order-study-outcomes.npz", order_arrays),
}


def main(arguments: list[str] | None = None) -> int:
    parser = ArgumentParser("docs/make_study_outcomes.py", __doc__)
    parser.add_argument("studies", nargs="*", metavar="STUDY", help="xor or orders (default: both)")
    chosen = parser.parse_args(arguments).studies or list(STUDIES)
    unknown = [name for name in chosen if name not in STUDIES]
    if unknown:
        parser.error(f"no study named {unknown[0]!r}: choose from {', '.join(STUDIES)}")
    for name in chosen:
        path, arrays = STUDIES[name]
        stored = {key: np.asarray(value) for key, value in arrays().items()}
        try:
            with atomic_output(os.path.join(ROOT, path)) as temporary:
                with open(temporary, "wb") as file:  # savez would add .npz to a bare name
                    np.savez_compressed(file, **stored)
        except OSError as error:
            print(f"error: cannot write {path}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(f"wrote {path}: updates of shape {stored['updates'].shape}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the study stops within an update; no file is half-written
        sys.exit("interrupted: the file being made was not written")
