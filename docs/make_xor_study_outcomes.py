"""Write docs/xor-study-outcomes.npz: every network's outcome in the XOR study that
docs/data-and-batches.md shows (python compare_implementations.py --study --data xor).

The study trains 12 set-ups x 6 learning rates x 1000 starts, about 80 CPU seconds.
The tests read its verdict from this file instead of training it all again, and
check the file against the code by training every tenth start of every set-up and
rate afresh (tests/test_readme_optimizers.py): a change to the study's arithmetic
that moves any of those outcomes fails there, and this script writes the file anew.

    python docs/make_xor_study_outcomes.py

The file holds, for set-up s, learning rate r and start n, ``updates[s, r, n]``
(updates to solve XOR, or CAPPED, or DIVERGED), the learning rates, the set-ups'
labels and the study's settings.
"""

import os
import sys
from dataclasses import asdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from numpy_ref.xor_study import XorStudySettings, run_xor_study  # noqa: E402
from support.files import atomic_output  # noqa: E402

OUTCOMES = "docs/xor-study-outcomes.npz"  # relative to ROOT, as the message names it


def main() -> int:
    settings = XorStudySettings()
    runs = run_xor_study(settings, workers=os.cpu_count() or 1)
    with atomic_output(os.path.join(ROOT, OUTCOMES)) as temporary:
        with open(temporary, "wb") as file:  # savez would add .npz to a bare name
            np.savez_compressed(
                file,
                updates=np.stack([run.updates for run in runs]).astype(np.int16),  # -2 to 2000
                learning_rates=np.array([run.learning_rates for run in runs]),
                setups=np.array([run.setup.label for run in runs]),
                **{name: np.array(value) for name, value in asdict(settings).items()},
            )
    print(
        f"wrote {OUTCOMES}: {len(runs)} set-ups x {settings.rates} rates x {settings.starts} starts"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
