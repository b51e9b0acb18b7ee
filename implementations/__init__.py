"""The one table of implementations: who trains, how its gradients are made, in which order.

The comparison, the figures, the tests and the benchmark iterate over
IMPLEMENTATIONS; nothing looks an implementation up by its display label.
Adding a framework adds a FRAMEWORKS entry (and its train function in
train_functions.py, which reads a RunSettings: implementations/settings.py);
adding a row adds an IMPLEMENTATIONS entry.

Importing this module imports neither TensorFlow nor Keras: each framework's
train function imports its module when it is called.
"""

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from numpy_ref import DTYPES, UPDATE_ORDERS
from numpy_ref.result import TrainingResult
from support.packages import installed
from support.progress import keras_bar

from .settings import RunSettings
from .train_functions import (
    start_keras_on,
    train_csharp,
    train_jax,
    train_keras,
    train_keras_on,
    train_numpy,
    train_pytorch,
    train_tensorflow,
)


@dataclass(frozen=True)
class Framework:
    name: str  # TrainingResult.implementation
    title: str  # how figures and reports name it
    #: About what one iteration costs on a two-core machine (benchmarks/bench.py);
    #: used only to decide whether a run is long enough for a progress bar.
    seconds_per_iteration: float
    #: (RunSettings, progress allowed) -> TrainingResult
    train_function: Callable[[RunSettings, bool], TrainingResult]
    #: The optional packages it needs beyond requirements.txt (none for most), the
    #: programs it needs on PATH (none for a Python framework), and how to install
    #: them.
    packages: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    install: str = ""
    #: The float types it computes in.
    dtypes: tuple[str, ...] = DTYPES
    #: Whether it trains with plain SGD only (numpy_ref.training.Training.plain).
    plain_sgd_only: bool = False
    #: ([RunSettings]) -> None: start training these runs in the background, before
    #: run_all trains the other rows (a framework in a child process of its own);
    #: None: no need.
    start: Callable[[list[RunSettings]], None] | None = None

    @property
    def installed(self) -> bool:
        """Whether its packages can be imported and its programs are on PATH (always,
        without either)."""
        return all(installed(package) for package in self.packages) and all(
            shutil.which(program) for program in self.programs
        )

    def not_installed(self) -> str:
        """The line that says this framework needs its packages or programs."""
        missing = [package for package in self.packages if not installed(package)]
        if missing:
            packages = "packages" if len(missing) > 1 else "package"
            needs = f"the {packages} {' and '.join(missing)}"
        else:
            needs = f"the programs {' and '.join(self.programs)}"
        return f"the {self.title} rows need {needs}: {self.install}"

    def trains(self, run: RunSettings) -> bool:
        """Whether it computes what ``run`` asks for: its float type and training."""
        return run.dtype in self.dtypes and (run.training.plain or not self.plain_sgd_only)

    def computes_only(self) -> str:
        """What it computes, for a framework that does not compute every run: 'plain
        SGD in float64 only (--dtype float64)'."""
        training = "plain SGD " if self.plain_sgd_only else ""
        return f"{training}in {' or '.join(self.dtypes)} only (--dtype {self.dtypes[0]})"

    def cannot_train(self) -> str:
        """The line that says its rows are left out of a run it does not compute."""
        return f"the {self.title} rows are left out: they compute {self.computes_only()}"

    def train(self, run: RunSettings, *, progress: bool = False) -> TrainingResult:
        """Train as ``run`` (RunSettings) says; ``progress`` allows a bar on long runs
        at a terminal."""
        return self.train_function(run, progress)

    def draws_keras_bar(self, iterations: int, allowed: bool = True) -> bool:
        """Whether a fit() of ``iterations`` steps shows Keras's own progress bar."""
        return keras_bar(iterations, self.seconds_per_iteration, allowed)


#: The reference is NumPy: hand-written formulas, always compared in float64.
REFERENCE = "numpy"

FRAMEWORKS: dict[str, Framework] = {
    framework.name: framework
    for framework in (
        Framework("numpy", "NumPy", 35e-6, train_numpy),
        Framework("tensorflow", "TensorFlow", 0.1e-6, train_tensorflow),
        Framework("keras", "Keras", 50e-6, train_keras),
        Framework(
            "pytorch",
            "PyTorch",
            100e-6,
            train_pytorch,
            packages=("torch",),
            install="pip install -r requirements-frameworks.txt",
        ),
        Framework(
            "jax",
            "JAX",
            1e-6,
            train_jax,
            packages=("jax", "optax"),
            install="pip install -r requirements-frameworks.txt",
        ),
        Framework(
            "keras-jax",
            "Keras on JAX",
            100e-6,
            train_keras_on("jax"),
            start=start_keras_on("jax"),
            packages=("jax",),
            install="pip install -r requirements-frameworks.txt",
        ),
        Framework(
            "keras-torch",
            "Keras on PyTorch",
            1000e-6,
            train_keras_on("torch"),
            start=start_keras_on("torch"),
            packages=("torch",),
            install="pip install -r requirements-frameworks.txt",
        ),
        Framework(
            "csharp",
            "C#",
            30e-6,
            train_csharp,
            programs=("mcs", "mono"),
            install="apt-get install mono-mcs mono-runtime",
            dtypes=("float64",),
            plain_sgd_only=True,
        ),
    )
}


@dataclass(frozen=True)
class Implementation:
    name: str  # a unique key, for figures' styles and the benchmark
    framework: str  # a FRAMEWORKS key
    label: str  # the results table's first column
    method: str  # how its gradients are made
    update: str  # "parallel" or "sequential"
    #: Whose optimizer formulas it follows (numpy_ref.optimizers.FORMULAS): the
    #: same for plain SGD, different for RMSprop and Adam, and for momentum under
    #: a schedule.
    formulas: str = "keras"

    @property
    def is_reference(self) -> bool:
        return self.framework == REFERENCE

    def train(self, run: RunSettings = RunSettings(), *, progress: bool = False) -> TrainingResult:
        """Train this implementation with ``run``'s settings, in its own update order
        (the reference always in float64); return a numpy_ref TrainingResult."""
        dtype = "float64" if self.is_reference else run.dtype
        training = run.training.following(self.formulas)
        return FRAMEWORKS[self.framework].train(
            replace(run, update=self.update, dtype=dtype, training=training), progress=progress
        )

    def needed(self, run: RunSettings) -> bool:
        """Whether ``run`` needs this row and it can run: a reference of torch.optim's or
        optax's formulas only where they are not Keras's (every optimizer but plain SGD); a
        framework's row where it is installed and computes what ``run`` asks for (its
        float type, its optimizers)."""
        if self.is_reference:
            return self.formulas == "keras" or run.training.optimizer.name != "sgd"
        framework = FRAMEWORKS[self.framework]
        return framework.installed and framework.trains(run)


#: The results table's rows: the four of the original README's table first
#: (docs/reference-figures.md), then the rest.
IMPLEMENTATIONS: tuple[Implementation, ...] = (
    Implementation("numpy-sequential", "numpy", "NumPy", "hand-written formulas", "sequential"),
    Implementation("numpy-parallel", "numpy", "NumPy", "hand-written formulas", "parallel"),
    Implementation(
        "tensorflow-parallel", "tensorflow", "TF tape", "tf.GradientTape autodiff", "parallel"
    ),
    Implementation(
        "keras-sequential", "keras", "Keras step", "custom train_step, formulas", "sequential"
    ),
    Implementation(
        "tensorflow-sequential",
        "tensorflow",
        "TF tape",
        "tf.GradientTape, deltas via new w5..w8",
        "sequential",
    ),
    Implementation(
        "keras-parallel", "keras", "Keras fit", "stock fit(): its optimizer on MSE", "parallel"
    ),
    Implementation(
        "pytorch-parallel",
        "pytorch",
        "PyTorch",
        "autograd, loss.backward(), torch.optim",
        "parallel",
        "pytorch",
    ),
    Implementation(
        "pytorch-sequential",
        "pytorch",
        "PyTorch",
        "autograd, deltas via new w5..w8",
        "sequential",
        "pytorch",
    ),
    Implementation(
        "jax-parallel",
        "jax",
        "JAX",
        "jax.value_and_grad, optax",
        "parallel",
        "optax",
    ),
    Implementation(
        "jax-sequential",
        "jax",
        "JAX",
        "jax.vjp, deltas via new w5..w8",
        "sequential",
        "optax",
    ),
    Implementation(
        "keras-jax-sequential",
        "keras-jax",
        "Keras jax",
        "train_step on JAX: jax.vjp via new w5..w8",
        "sequential",
    ),
    Implementation(
        "keras-jax-parallel", "keras-jax", "Keras jax", "stock fit() on JAX", "parallel"
    ),
    Implementation(
        "keras-torch-sequential",
        "keras-torch",
        "Keras pt",
        "train_step on PyTorch: autograd via new w5..w8",
        "sequential",
    ),
    Implementation(
        "keras-torch-parallel", "keras-torch", "Keras pt", "stock fit() on PyTorch", "parallel"
    ),
    # the reference again, with torch.optim's optimizer formulas (where they are not Keras's)
    Implementation(
        "numpy-pytorch-sequential",
        "numpy",
        "NumPy pt",
        "hand-written formulas, torch.optim's optimizer formulas",
        "sequential",
        "pytorch",
    ),
    Implementation(
        "numpy-pytorch-parallel",
        "numpy",
        "NumPy pt",
        "hand-written formulas, torch.optim's optimizer formulas",
        "parallel",
        "pytorch",
    ),
    # the cross-check in another language: plain SGD in float64 only
    Implementation(
        "csharp-parallel", "csharp", "C#", "hand-written loops in C#, run by Mono", "parallel"
    ),
    Implementation(
        "csharp-sequential",
        "csharp",
        "C#",
        "hand-written loops, deltas via new w5..w8",
        "sequential",
    ),
    # and with optax's
    Implementation(
        "numpy-optax-sequential",
        "numpy",
        "NumPy ox",
        "hand-written formulas, optax's optimizer formulas",
        "sequential",
        "optax",
    ),
    Implementation(
        "numpy-optax-parallel",
        "numpy",
        "NumPy ox",
        "hand-written formulas, optax's optimizer formulas",
        "parallel",
        "optax",
    ),
)


def find(framework: str, update: str, formulas: str = "keras") -> Implementation:
    """The implementation of ``framework`` in ``update`` order (its reference of
    ``formulas``' optimizer formulas, for NumPy)."""
    return next(
        i
        for i in IMPLEMENTATIONS
        if i.framework == framework
        and i.update == update
        and (i.formulas == formulas or not i.is_reference)
    )


def other_order(update: str) -> str:
    """The update order that is not ``update``."""
    return next(order for order in UPDATE_ORDERS if order != update)


def not_installed(names: Iterable[str] | None = None) -> list[Framework]:
    """The frameworks among ``names`` (None: every one) whose optional package or
    program is missing: their rows are left out."""
    chosen = FRAMEWORKS if names is None else names
    return [FRAMEWORKS[name] for name in chosen if not FRAMEWORKS[name].installed]


def cannot_train(run: RunSettings) -> list[Framework]:
    """The installed frameworks that do not compute what ``run`` asks for (C#: plain SGD
    in float64 only): their rows are left out."""
    return [f for f in FRAMEWORKS.values() if f.installed and not f.trains(run)]


def frameworks_problem(names: Iterable[str], runs: Iterable[RunSettings]) -> str | None:
    """Why the FRAMEWORKS ``names`` (--frameworks) cannot be compared on ``runs``: one
    is not installed, or one does not compute every run (C# in float32, or under
    --optimizer all), and a framework the command line names is never left out
    quietly; None when they can."""
    chosen = [FRAMEWORKS[name] for name in names if name != REFERENCE]
    missing = not_installed([f.name for f in chosen])
    if missing:
        return f"{missing[0].name} is not installed: {missing[0].install}"
    for framework in chosen:
        if not all(framework.trains(run) for run in runs):
            only = framework.computes_only()
            return f"the {framework.title} rows cannot be compared: they compute {only}"
    return None


def references(
    runs: list[tuple[Implementation, TrainingResult]],
) -> dict[tuple[str, str], tuple[Implementation, TrainingResult]]:
    """{(formulas, update): (Implementation, result)} of run_all's NumPy runs; a
    library whose formulas equal Keras's for the run's optimizer (plain SGD), and so
    has no reference of its own, shares Keras's."""
    found = {(i.formulas, i.update): (i, r) for i, r in runs if i.is_reference}
    for implementation in IMPLEMENTATIONS:
        key = (implementation.formulas, implementation.update)
        found.setdefault(key, found[("keras", implementation.update)])
    return found


def start_in_background(runs: list[RunSettings], frameworks: Iterable[str] | None = None) -> None:
    """Start every framework of ``frameworks`` (None: every one) that trains in the
    background (its ``start`` hook) on those of ``runs`` it is needed for, so that
    they train meanwhile; run_all reads their results."""
    chosen = FRAMEWORKS if frameworks is None else frameworks
    for name in chosen:
        start = FRAMEWORKS[name].start
        if start is None:  # it trains when run_all asks
            continue
        needed = [
            run
            for run in runs
            if any(i.framework == name and i.needed(run) for i in IMPLEMENTATIONS)
        ]
        if needed:
            start(needed)


def run_all(
    run: RunSettings = RunSettings(),
    *,
    progress: bool = False,
    frameworks: Iterable[str] | None = None,
) -> list[tuple[Implementation, TrainingResult]]:
    """Train every implementation of ``frameworks`` (FRAMEWORKS names; None: every
    one; the reference always) that ``run`` needs, that is installed and that computes
    what ``run`` asks for, with ``run``'s settings; return
    [(Implementation, TrainingResult)] in table order.

    The frameworks run in ``run.dtype``; the NumPy reference always in float64.
    """
    chosen = {REFERENCE, *(FRAMEWORKS if frameworks is None else frameworks)}
    rows = [i for i in IMPLEMENTATIONS if i.framework in chosen and i.needed(run)]
    start_in_background([run], chosen)  # children train meanwhile
    return [
        (implementation, implementation.train(run, progress=progress)) for implementation in rows
    ]
