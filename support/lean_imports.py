"""TensorFlow and Keras imported without the packages they import only for
features no script here uses.

console.startup puts WithoutUnusedExtras on sys.meta_path where a script
starts, and Keras's child processes (frameworks/keras_child.py) where they
start; a program that imports the project imports TensorFlow whole.
"""

import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

#: What TensorFlow and Keras import at their own import, when it is installed, for
#: features no script here uses: {package: the feature}.  jax and scipy stay visible
#: when Keras's backend is JAX (NEEDED_BY_BACKEND).
UNUSED_EXTRAS = {
    "matplotlib": "Keras's image galleries (keras.visualization)",
    "PIL": "Keras's image loading (keras.utils.load_img)",
    "jax": "TF Lite's converter from JAX; Keras's Orbax checkpoints",
    "scipy": "tf.keras 1's sparse inputs",
}
#: Those of UNUSED_EXTRAS that Keras on a backend imports for itself: {backend: names}.
#: Keras on PyTorch needs none: it imports jax only for its Orbax checkpoints.
NEEDED_BY_BACKEND = {"jax": ("jax", "scipy")}


def keras_backend() -> str:
    """The backend Keras will choose, by its own rule (keras/src/backend/config.py):
    KERAS_BACKEND, else keras.json's (in KERAS_HOME, else ~/.keras, else /tmp/.keras
    where the home folder cannot be written), else tensorflow."""
    if "KERAS_BACKEND" in os.environ:
        return os.environ["KERAS_BACKEND"]
    home = os.path.expanduser("~")
    folder = os.environ.get("KERAS_HOME") or os.path.join(
        home if os.access(home, os.W_OK) else "/tmp", ".keras"
    )
    try:
        with open(os.path.join(folder, "keras.json")) as stream:
            config = json.load(stream)
    except (OSError, ValueError):
        config = {}
    return str(config.get("backend", "tensorflow")) if isinstance(config, dict) else "tensorflow"


class WithoutUnusedExtras(MetaPathFinder):
    """Imports TensorFlow (or Keras, whichever comes first) with UNUSED_EXTRAS
    looking absent, as if they were not installed; then leaves sys.meta_path.

    Both import them in a try/except ImportError and go on without; with them
    TensorFlow's import took 1.5 to 2.4 s longer on the AMD EPYC (matplotlib.pyplot
    0.97 s, jax 0.60 s; docs/performance.md).  A package imported before, or after
    that import ends (a script that plots, or trains with JAX too), is imported as
    usual: only the names still unimported are hidden, and only while it runs.
    """

    #: The packages whose first import hides the extras.
    importers = ("tensorflow", "keras")

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name not in self.importers:
            return None
        sys.meta_path.remove(self)  # the first one's import holds the other's
        spec = importlib.util.find_spec(name)  # as the finders after this one find it
        if spec is not None and spec.loader is not None:
            spec.loader = _HidingWhileItRuns(spec.loader)
        return spec


class _HidingWhileItRuns(Loader):
    """A module's loader, whose exec_module runs with UNUSED_EXTRAS set to None in
    sys.modules (what makes ``import name`` raise ImportError)."""

    def __init__(self, loader: Loader) -> None:
        self.loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        needed = NEEDED_BY_BACKEND.get(keras_backend(), ())
        extras = [name for name in UNUSED_EXTRAS if name not in sys.modules and name not in needed]
        for name in extras:
            sys.modules[name] = None  # type: ignore[assignment]  # import's "not installed"
        try:
            self.loader.exec_module(module)
        finally:
            for name in extras:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]
            module.__loader__ = self.loader  # the wrapper was for this one import
            if module.__spec__ is not None:
                module.__spec__.loader = self.loader
