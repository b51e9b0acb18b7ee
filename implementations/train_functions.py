"""Each framework's train function: (RunSettings, progress allowed) -> TrainingResult,
importing its framework's module only when it is called (so that importing the
registry, implementations/__init__.py, imports no framework)."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from numpy_ref.result import TrainingResult
from support.progress import watched

from .settings import RunSettings

if TYPE_CHECKING:
    from . import Framework


def train_numpy(run: RunSettings, progress: bool) -> TrainingResult:
    import numpy_ref

    steps = watched(_framework("numpy").seconds_per_iteration, progress)
    return numpy_ref.train(
        run.iterations, run.update, run.example, run.dtype, steps=steps, training=run.training
    )


def train_tensorflow(run: RunSettings, progress: bool) -> TrainingResult:
    # Its compiled loop does 10^7 iterations in about two seconds: no bar.
    from frameworks import tape

    return tape.train(
        run.iterations,
        run.update,
        run.example,
        run.dtype,
        loss=run.loss,
        training=run.training,
        replicas=run.replicas,
    )


def train_keras(run: RunSettings, progress: bool) -> TrainingResult:
    from frameworks import keras_fit

    bar = _framework("keras").draws_keras_bar(run.iterations, progress)
    return keras_fit.train(
        run.iterations,
        run.update,
        run.example,
        run.dtype,
        progress_bar=bar,
        training=run.training,
        replicas=run.replicas,
    )


def train_pytorch(run: RunSettings, progress: bool) -> TrainingResult:
    from frameworks import pytorch

    steps = watched(_framework("pytorch").seconds_per_iteration, progress)
    return pytorch.train(
        run.iterations,
        run.update,
        run.example,
        run.dtype,
        loss=run.loss,
        training=run.training,
        steps=steps,
    )


def train_jax(run: RunSettings, progress: bool) -> TrainingResult:
    # One compiled lax.scan: 10^6 iterations in about a second; no bar.
    from frameworks import jax_autodiff

    return jax_autodiff.train(
        run.iterations,
        run.update,
        run.example,
        run.dtype,
        loss=run.loss,
        training=run.training,
    )


def train_keras_on(backend: str) -> Callable[[RunSettings, bool], TrainingResult]:
    """The train function of Keras on its ``backend`` (JAX or PyTorch): in a child
    process, since this process's Keras may be on TensorFlow already."""

    def train(run: RunSettings, progress: bool) -> TrainingResult:
        from frameworks.keras_child import train_in_child

        return train_in_child(backend, run)

    return train


def start_keras_on(backend: str) -> Callable[[list[RunSettings]], None]:
    """Start Keras on ``backend`` training ``runs`` in one child process now."""

    def start(runs: list[RunSettings]) -> None:
        from frameworks.keras_child import start_in_child

        start_in_child(backend, runs)

    return start


def train_csharp(run: RunSettings, progress: bool) -> TrainingResult:
    # Mono runs the whole loop in one process: no bar.
    from frameworks import csharp

    return csharp.train(run.iterations, run.update, run.example, run.dtype, training=run.training)


def _framework(name: str) -> "Framework":
    """The registry's entry (imported here, since the registry imports this module)."""
    from . import FRAMEWORKS

    return FRAMEWORKS[name]
