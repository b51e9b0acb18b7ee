"""A script's start: TensorFlow and Keras imported without the extras no script uses.

Where a script starts (console.startup), support.lean_imports hides
UNUSED_EXTRAS while the first of TensorFlow and Keras is imported (each goes
on without them, as where they are not installed); here a stand-in package
and a stand-in extra show what is hidden, when, and that the extra imports
as usual afterwards.
"""

import importlib
import signal
import sys

import pytest

from console import startup
from support import lean_imports


@pytest.fixture
def framework(tmp_path, monkeypatch):
    """A package "bigframe" that imports the extra "extra_one" if it can, and a finder
    that hides "extra_one" while bigframe is imported (on this process's meta path)."""
    (tmp_path / "bigframe").mkdir()
    (tmp_path / "bigframe" / "__init__.py").write_text(
        "try:\n    import extra_one\nexcept ImportError:\n    extra_one = None\n"
    )
    (tmp_path / "extra_one.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(lean_imports, "UNUSED_EXTRAS", {"extra_one": "a feature nobody uses"})
    monkeypatch.setattr(lean_imports.WithoutUnusedExtras, "importers", ("bigframe",))
    finder = lean_imports.WithoutUnusedExtras()
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    yield finder
    for name in ("bigframe", "extra_one"):
        sys.modules.pop(name, None)


def test_the_extra_looks_absent_while_the_framework_imports_then_imports_as_usual(framework):
    import bigframe

    assert bigframe.extra_one is None
    assert "extra_one" not in sys.modules
    assert framework not in sys.meta_path  # its one import done, it leaves
    assert type(bigframe.__loader__).__name__ == "SourceFileLoader"
    assert bigframe.__spec__.loader is bigframe.__loader__
    import extra_one

    assert extra_one.VALUE == 1


def test_an_extra_imported_before_is_left_as_it_is(framework):
    extra_one = importlib.import_module("extra_one")  # first
    bigframe = importlib.import_module("bigframe")
    assert bigframe.extra_one is extra_one


@pytest.mark.parametrize("backend, kept", [("jax", True), ("torch", False)])
def test_keras_on_another_backend_keeps_what_that_backend_needs(
    framework, monkeypatch, backend, kept
):
    monkeypatch.setenv("KERAS_BACKEND", backend)
    monkeypatch.setattr(lean_imports, "NEEDED_BY_BACKEND", {"jax": ("extra_one",)})
    import bigframe

    assert (bigframe.extra_one is not None) == kept


def test_a_refusing_finder_after_it_still_refuses(framework):
    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name == "bigframe":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(1, Refuse())
    with pytest.raises(ModuleNotFoundError, match="bigframe"):
        import bigframe  # noqa: F401


def test_the_keras_backend_is_read_as_keras_reads_it(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert lean_imports.keras_backend() == "tensorflow"  # no keras.json
    (tmp_path / "keras.json").write_text('{"backend": "jax", "floatx": "float32"}')
    assert lean_imports.keras_backend() == "jax"
    (tmp_path / "keras.json").write_text("not json")
    assert lean_imports.keras_backend() == "tensorflow"  # Keras reads it as {}
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert lean_imports.keras_backend() == "torch"


def test_only_a_script_hides_the_extras(monkeypatch):
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    handlers = {signum: signal.getsignal(signum) for signum in startup.EARLY_EXIT}
    startup.quiet_while_starting()  # this test runner: nothing installed
    assert not any(isinstance(f, lean_imports.WithoutUnusedExtras) for f in sys.meta_path)
    monkeypatch.setattr(startup, "running_a_project_script", lambda: True)
    try:
        startup.quiet_while_starting()
        assert isinstance(sys.meta_path[0], lean_imports.WithoutUnusedExtras)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
