"""Tables 3 and 4 of the benchmark (bench.py): in-process cost per training iteration
after compilation, each trainer at each size, beside Keras's fit() floor; and
data-parallel training (--replicas) on XOR, one device against REPLICAS.  Each runs in
a child process of bench.py, which alone imports TensorFlow."""

import os
import statistics
import tempfile
import time

from implementations import FRAMEWORKS, IMPLEMENTATIONS

#: Data-parallel training on XOR (full batches of 4): how many replicas, and the
#: cost per step aimed at against one device at the same steps per execution.
REPLICAS = 2
REPLICAS_GOAL = 3.0


#: How the in-process table names each framework's trainer.
TRAINER_NAMES = {
    "numpy": "NumPy reference",
    "tensorflow": "TensorFlow tape",
    "keras": "Keras fit",
    "pytorch": "PyTorch autograd",
    "jax": "JAX scan",
    "csharp": "C# (Mono)",
}
#: The float type each trainer is timed in: the reference's float64, the
#: frameworks' float32 (and PyTorch's float64 too, in rows of its own; C#
#: computes in float64 only).
FLOAT64_LABEL = "PyTorch float64"
#: The reference again on XOR in batches of 2 with trained biases, plain SGD:
#: its second goal (docs/performance.md), beside Mazur's one sample.
XOR_LABEL = "NumPy XOR b2"

#: (label, framework, update, optimizer) for the in-process table: every
#: implementation with plain SGD (the reference once, with Keras's formulas),
#: grouped by framework, PyTorch again in float64, the reference again on XOR,
#: then the frameworks with Adam, the costliest optimizer (C#: plain SGD
#: only).  A framework that is not installed is left out.
TIMED = [
    i
    for i in sorted(IMPLEMENTATIONS, key=lambda i: list(FRAMEWORKS).index(i.framework))
    if (i.formulas == "keras" or not i.is_reference) and i.framework in TRAINER_NAMES
]
TRAINERS = (
    *((TRAINER_NAMES[i.framework], i.framework, i.update, "sgd") for i in TIMED),
    *((FLOAT64_LABEL, "pytorch", i.update, "sgd") for i in TIMED if i.framework == "pytorch"),
    *((XOR_LABEL, "numpy", i.update, "sgd") for i in TIMED if i.is_reference),
    *(
        (TRAINER_NAMES[i.framework], i.framework, i.update, "adam")
        for i in TIMED
        if not i.is_reference and not FRAMEWORKS[i.framework].plain_sgd_only
    ),
)


#: (Keras on JAX and on PyTorch train in processes of their own: bench.py times
#: ann_keras.py --backend as whole processes.)

#: Not a trainer: Keras's fit() machinery alone, the floor under ann_keras.py.
KERAS_FLOOR = ("Keras fit floor", "floor", "no update", "none")


WARM_UP_ITERATIONS = 10


def measure_in_process(runs, sizes, only=None):
    """Child-process side: time each trainer (whose label, update or optimizer contains
    one of the comma-separated texts of ``only``, if given); return
    {key: {"setup": [...], "per_iteration": [...]}}."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from dataclasses import replace

    from frameworks.tape import TapeNetwork
    from implementations import find
    from implementations.settings import RunSettings
    from numpy_ref import MAZUR
    from numpy_ref.data import XOR_DATA
    from numpy_ref.optimizers import Optimizer
    from numpy_ref.training import Training

    def settings(optimizer):
        return Training(optimizer=Optimizer.named(optimizer))

    #: What each row trains on: Mazur's one sample, but for XOR_LABEL's rows.
    xor_in_batches = replace(MAZUR, data=XOR_DATA, train_biases=True, batch_size=2)

    #: The trainers whose whole loop is compiled: {framework: its network class}
    COMPILED = {"tensorflow": TapeNetwork}
    if FRAMEWORKS["jax"].installed:
        from frameworks.jax_autodiff import JaxNetwork

        COMPILED["jax"] = JaxNetwork

    def trainer(framework, optimizer, dtype="float32", example=MAZUR):
        """(n, update) -> result: the reference in float64, a framework in ``dtype``."""
        return lambda n, update: find(framework, update).train(
            RunSettings(n, example=example, dtype=dtype, training=settings(optimizer))
        )

    def seconds(function, *args):
        start = time.perf_counter()
        function(*args)
        return time.perf_counter() - start

    def csharp_runs(size, update):
        """(mcs's compile s, s/iteration of the cached program): the first run's
        compiling apart, then a run of SIZE minus one of 10, each a Mono process."""
        from frameworks import csharp

        with tempfile.TemporaryDirectory() as cache:
            os.environ["XDG_CACHE_HOME"], kept = cache, os.environ.get("XDG_CACHE_HOME")
            try:
                compiling = seconds(csharp.compiled_program)
                train = trainer("csharp", "sgd", "float64")
                short = seconds(train, WARM_UP_ITERATIONS, update)
                whole = seconds(train, size, update)
            finally:
                os.environ.pop("XDG_CACHE_HOME")
                if kept is not None:
                    os.environ["XDG_CACHE_HOME"] = kept
        return compiling, (whole - short) / (size - WARM_UP_ITERATIONS)

    def compiled_loop(framework, size, update, optimizer):
        """(set-up s, s/iteration) of TensorFlow's or JAX's compiled loop: its first
        call (trace, compile, run) minus a second one (run only)."""
        network = COMPILED[framework](MAZUR, "float32", training=settings(optimizer))
        start = time.perf_counter()
        loop = network.training_loop(size, update)
        loop()  # trace, compile and run
        first = time.perf_counter() - start
        start = time.perf_counter()
        loop()  # run only (training goes on from where the first call left it)
        second = time.perf_counter() - start
        return first - second, second / size

    results = {}
    trainer("tensorflow", "sgd")(WARM_UP_ITERATIONS, "parallel")  # TensorFlow's one-off start
    trainer("keras", "sgd")(WARM_UP_ITERATIONS, "sequential")
    chosen = [
        row
        for row in (*TRAINERS, KERAS_FLOOR)
        if (only is None or any(text in field for text in only.split(",") for field in row))
        and (row[1] == "floor" or FRAMEWORKS[row[1]].installed)
    ]
    for _ in range(runs):
        for label, framework, update, optimizer in chosen:
            dtype = "float64" if label == FLOAT64_LABEL else "float32"
            example = xor_in_batches if label == XOR_LABEL else MAZUR
            train = (
                keras_floor
                if framework == "floor"
                else trainer(framework, optimizer, dtype, example)
            )
            timed_at = sorted({*sizes, COMPILED_LOOP_GOAL_FROM}) if framework in COMPILED else sizes
            for size in timed_at:
                if framework in COMPILED:
                    setup, per_iteration = compiled_loop(framework, size, update, optimizer)
                elif framework == "csharp":
                    setup, per_iteration = csharp_runs(size, update)
                else:
                    setup = seconds(train, WARM_UP_ITERATIONS, update)
                    whole = seconds(train, size, update)
                    per_iteration = (whole - setup) / (size - WARM_UP_ITERATIONS)
                entry = results.setdefault(
                    f"{label}|{update}|{optimizer}|{size}", {"setup": [], "per_iteration": []}
                )
                entry["setup"].append(setup)
                entry["per_iteration"].append(per_iteration)
    return results


def keras_floor(iterations, update):
    """fit() over the same dataset (keras_fit.example_batches: Mazur's one sample)
    with a train_step that does nothing.

    What Keras's own loop (data iterator, step counter, callbacks) costs per
    step at the same steps_per_execution: the floor under ann_keras.py.
    """
    import keras
    import tensorflow as tf

    from frameworks.keras_fit import example_batches
    from frameworks.keras_model import STEPS_PER_EXECUTION
    from numpy_ref import MAZUR

    class Idle(keras.Model):
        def train_step(self, data):
            return {"step": tf.constant(0.0)}  # Keras's loop needs one output

    inputs = keras.Input(shape=(2,))
    model = Idle(inputs, keras.layers.Dense(2)(inputs))
    model.compile(steps_per_execution=STEPS_PER_EXECUTION, jit_compile=False)
    model.fit(example_batches(MAZUR, "float32", 0, iterations), epochs=1, verbose=0)


def in_process_table(results, runs):
    lines = [
        f"In process, after compilation: median of {runs} runs",
        f"{'trainer':<17} {'update':<11} {'optimizer':<9} {'iterations':>10} "
        f"{'us/iteration':>13} {'set-up s':>9}",
    ]
    for key, entry in results.items():
        label, update, optimizer, size = key.split("|")
        lines.append(
            f"{label:<17} {update:<11} {optimizer:<9} {int(size):>10} "
            f"{statistics.median(entry['per_iteration']) * 1e6:13.2f} "
            f"{statistics.median(entry['setup']):9.3f}"
        )
    return "\n".join(lines)


#: The speed goals between two rows of the in-process table: (what is compared, the
#: row's (label, update, optimizer), the row it is measured against, the goal, and
#: the least iterations it applies from).
FLOOR_ROW = (KERAS_FLOOR[0], KERAS_FLOOR[2], KERAS_FLOOR[3])
#: JAX's scan is measured against TensorFlow's loop where both are fully optimized XLA
#: programs: from frameworks.jax_autodiff.FULLY_OPTIMIZED_FROM on (TensorFlow's is
#: XLA's from 5000); shorter scans are compiled at -O0, for a quicker start.  (Written
#: out here: bench.py imports this module and neither framework;
#: tests/test_benchmark.py holds them equal.)  The compiled loops are timed at this
#: size too, whatever the sizes asked for: a few milliseconds beyond their compile.
COMPILED_LOOP_GOAL_FROM = 100_000
ROW_GOALS = tuple(
    goal
    for update in ("sequential", "parallel")
    for goal in (
        (
            f"Keras {update} step over fit()'s floor",
            ("Keras fit", update, "sgd"),
            FLOOR_ROW,
            1.6,
            0,
        ),
        (
            f"Keras {update} step, Adam over SGD",
            ("Keras fit", update, "adam"),
            ("Keras fit", update, "sgd"),
            1.3,
            0,
        ),
        (
            f"JAX's scan over TensorFlow's loop, {update}",
            ("JAX scan", update, "sgd"),
            ("TensorFlow tape", update, "sgd"),
            2.0,
            COMPILED_LOOP_GOAL_FROM,
        ),
    )
)


def goals_table(results, runs):
    """The ROW_GOALS ratios at each size both rows were timed at (from the goal's least
    size on): each run's two rows were timed in the same round (measure_in_process),
    and the figure is the median of the runs' ratios, so that the machine's drift
    between rounds cancels.  Empty when no goal has both its rows."""
    sizes = sorted({int(key.rsplit("|", 1)[1]) for key in results})
    lines = []
    for name, timed, base, goal, least in ROW_GOALS:
        for size in (size for size in sizes if size >= least):
            rows = [results.get("|".join((*row, str(size)))) for row in (timed, base)]
            if None in rows:
                continue
            pairs = zip(rows[0]["per_iteration"], rows[1]["per_iteration"])
            ratio = statistics.median(mine / theirs for mine, theirs in pairs)
            lines.append(f"{name:<46} {size:>10} {ratio:6.2f} {f'<= {goal:g}':>7}")
    if not lines:
        return ""
    heading = [
        f"The goals between two rows: each run's ratio, median of {runs} runs",
        f"{'ratio of':<46} {'iterations':>10} {'ratio':>6} {'target':>7}",
    ]
    return "\n".join(heading + lines)


def measure_replicas(runs, size):
    """Child-process side: us per step on XOR, one device against REPLICAS, both
    frameworks, at one step per execution (Keras's limit under a strategy).

    Returns {"framework|update|replicas": [us per step, one per run]}.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from dataclasses import replace

    from frameworks.distribute import devices, mirrored

    devices(REPLICAS)  # before TensorFlow starts
    from frameworks import keras_fit, keras_model
    from frameworks.tape import TapeNetwork
    from numpy_ref import MAZUR
    from numpy_ref.data import XOR_DATA

    example = replace(MAZUR, data=XOR_DATA, train_biases=True)

    def keras_steps(update, replicas, steps):
        model = keras_model.build_model(
            example, update, "float32", strategy=mirrored(replicas), steps_per_execution=1
        )
        start = time.perf_counter()
        keras_fit.fit(model, steps, example, "float32")
        return time.perf_counter() - start

    def tensorflow_steps(update, replicas, steps):
        network = TapeNetwork(example, "float32", strategy=mirrored(replicas))
        loop = network.training_loop(steps, update)
        loop()  # trace and run once
        start = time.perf_counter()
        loop()
        return time.perf_counter() - start

    found = {}
    for _ in range(runs):
        for framework, timed in (("keras", keras_steps), ("tensorflow", tensorflow_steps)):
            for update in ("sequential", "parallel"):
                for replicas in (1, REPLICAS):
                    if framework == "keras":  # minus a short fit: tracing and set-up
                        seconds = timed(update, replicas, size) - timed(
                            update, replicas, WARM_UP_ITERATIONS
                        )
                        steps = size - WARM_UP_ITERATIONS
                    else:
                        seconds, steps = timed(update, replicas, size), size
                    found.setdefault(f"{framework}|{update}|{replicas}", []).append(
                        seconds / steps * 1e6
                    )
    return found


def replicas_table(found, runs, size):
    lines = [
        f"tf.distribute on XOR (batches of 4, float32), {size} steps, one step per"
        f" execution: median of {runs} runs",
        f"{'framework':<11} {'update':<11} {'1 device us/step':>17}"
        f" {f'{REPLICAS} replicas us/step':>19} {'ratio':>6} {'target':>7}",
    ]
    for framework in ("keras", "tensorflow"):
        for update in ("sequential", "parallel"):
            one, many = (
                statistics.median(found[f"{framework}|{update}|{r}"]) for r in (1, REPLICAS)
            )
            lines.append(
                f"{framework:<11} {update:<11} {one:17.0f} {many:19.0f}"
                f" {many / one:6.2f} {f'<= {REPLICAS_GOAL:g}':>7}"
            )
    return "\n".join(lines)
