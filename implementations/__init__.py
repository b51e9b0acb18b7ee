"""The one table of implementations: who trains, how its gradients are made, in which order.

The comparison, the figures, the tests and the benchmark iterate over
IMPLEMENTATIONS; nothing looks an implementation up by its display label.
Adding a framework adds a FRAMEWORKS entry (and its train function);
adding a row adds an IMPLEMENTATIONS entry.

Importing this module imports neither TensorFlow nor Keras: each framework's
train function imports its module when it is called.
"""

from dataclasses import dataclass

from numpy_ref import MAZUR, UPDATE_ORDERS
from numpy_ref.optimizers import PLAIN_SGD
from support.progress import keras_bar, watched


def _train_numpy(iterations, update, example, dtype, progress, training):
    import numpy_ref

    steps = watched(FRAMEWORKS["numpy"].seconds_per_iteration, progress)
    return numpy_ref.train(iterations, update, example, dtype, steps=steps, training=training)


def _train_tensorflow(iterations, update, example, dtype, progress, training):
    # Its compiled loop does 10^7 iterations in about two seconds: no bar.
    from frameworks import tape

    return tape.train(iterations, update, example, dtype, training=training)


def _train_keras(iterations, update, example, dtype, progress, training):
    from frameworks import keras_model

    bar = FRAMEWORKS["keras"].draws_keras_bar(iterations, progress)
    return keras_model.train(iterations, update, example, dtype, progress_bar=bar,
                             training=training)


@dataclass(frozen=True)
class Framework:
    name: str  # TrainingResult.implementation
    title: str  # how figures and reports name it
    #: About what one iteration costs on a two-core machine (benchmarks/bench.py);
    #: used only to decide whether a run is long enough for a progress bar.
    seconds_per_iteration: float
    #: (iterations, update, example, dtype, progress, training) -> TrainingResult
    train_function: object

    def train(self, iterations, update, example, dtype, progress=False, training=PLAIN_SGD):
        """Train in ``update`` order; ``progress`` allows a bar on long runs at a terminal;
        ``training``: the optimizer and the rest (numpy_ref.optimizers.Training)."""
        return self.train_function(iterations, update, example, dtype, progress, training)

    def draws_keras_bar(self, iterations, allowed=True):
        """Whether a fit() of ``iterations`` steps shows Keras's own progress bar."""
        return keras_bar(iterations, self.seconds_per_iteration, allowed)


#: The reference is NumPy: hand-written formulas, always compared in float64.
REFERENCE = "numpy"

FRAMEWORKS = {
    framework.name: framework
    for framework in (
        Framework("numpy", "NumPy", 16e-6, _train_numpy),
        Framework("tensorflow", "TensorFlow", 0.1e-6, _train_tensorflow),
        Framework("keras", "Keras", 50e-6, _train_keras),
    )
}


@dataclass(frozen=True)
class Implementation:
    name: str  # a unique key, for figures' styles and the benchmark
    framework: str  # a FRAMEWORKS key
    label: str  # the results table's first column
    method: str  # how its gradients are made
    update: str  # "parallel" or "sequential"

    @property
    def is_reference(self):
        return self.framework == REFERENCE

    def train(self, iterations=1000, example=MAZUR, dtype="float32", progress=False,
              training=PLAIN_SGD):
        """Train this implementation; return a numpy_ref TrainingResult."""
        return FRAMEWORKS[self.framework].train(iterations, self.update, example, dtype,
                                                progress, training)


#: The results table's rows: the four of the original README's table first
#: (docs/reference-figures.md), then the rest.
IMPLEMENTATIONS = (
    Implementation("numpy-sequential", "numpy", "NumPy", "hand-written formulas",
                   "sequential"),
    Implementation("numpy-parallel", "numpy", "NumPy", "hand-written formulas", "parallel"),
    Implementation("tensorflow-parallel", "tensorflow", "TF tape", "tf.GradientTape autodiff",
                   "parallel"),
    Implementation("keras-sequential", "keras", "Keras step", "custom train_step, formulas",
                   "sequential"),
    Implementation("tensorflow-sequential", "tensorflow", "TF tape",
                   "tf.GradientTape, deltas via new w5..w8", "sequential"),
    Implementation("keras-parallel", "keras", "Keras fit", "stock fit(): its optimizer on MSE",
                   "parallel"),
)


def find(framework, update):
    """The implementation of ``framework`` in ``update`` order."""
    return next(i for i in IMPLEMENTATIONS if i.framework == framework and i.update == update)


def other_order(update):
    """The update order that is not ``update``."""
    return next(order for order in UPDATE_ORDERS if order != update)


def run_all(iterations=1000, example=MAZUR, dtype="float32", progress=False,
            training=PLAIN_SGD):
    """Train every implementation; return [(Implementation, TrainingResult)] in table order.

    The frameworks run in ``dtype``; the NumPy reference always in float64.
    """
    return [
        (implementation,
         implementation.train(iterations, example,
                              "float64" if implementation.is_reference else dtype, progress,
                              training))
        for implementation in IMPLEMENTATIONS
    ]
