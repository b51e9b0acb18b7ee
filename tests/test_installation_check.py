"""test_installation.py: a working install passes; a broken one names the fix."""

import types

import pytest
from conftest import run_script, without_package

import test_installation as installation
from implementations import FRAMEWORKS


@pytest.mark.slow
def test_working_installation_exits_0():
    done = run_script("test_installation.py")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for name in ("Python", "NumPy", "matplotlib", "TensorFlow", "Keras", "devices"):
        assert any(line.startswith(name) for line in out.splitlines()), name
    assert "CPU" in out
    assert "The installation works." in out
    assert done.stderr == ""
    # each optional framework installed checks its own autodiff against the tutorial
    checks = {"pytorch": "autograd    PyTorch", "jax": "jax.grad    JAX"}
    for framework, line in checks.items():
        if FRAMEWORKS[framework].installed:
            assert f"{line} dE/dw1..dE/dw8 within 4.5e-09 of the tutorial's" in out, out


@pytest.mark.slow
def test_unimportable_package_is_named_with_its_pip_command():
    # PyTorch, JAX and optax hidden too (optional: not problems), so that the process
    # imports no more than TensorFlow
    code = (
        "import sys, runpy\n"
        "for name in ('matplotlib', 'torch', 'jax', 'optax'):\n"
        "    sys.modules[name] = None  # as if it were not installed\n"
        "sys.argv = ['test_installation.py']\n"
        "runpy.run_path('test_installation.py', run_name='__main__')\n"
    )
    done = run_script("-c", code)
    assert done.returncode == 1
    problems = [line.strip() for line in done.stdout.splitlines() if "cannot be imported" in line]
    assert len(problems) == 1
    assert problems[0].startswith("matplotlib cannot be imported")
    assert problems[0].endswith("pip install 'matplotlib>=3.8'")
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_missing_tensorflow_skips_the_numeric_checks():
    code = (
        "import sys, runpy\n"
        "sys.modules['tensorflow'] = None\n"
        "sys.argv = ['test_installation.py']\n"
        "runpy.run_path('test_installation.py', run_name='__main__')\n"
    )
    done = run_script("-c", code)
    assert done.returncode == 1
    assert "TensorFlow cannot be imported" in done.stdout
    assert "pip install 'tensorflow>=2.16'" in done.stdout
    assert "gradients" not in done.stdout


def test_too_old_version_asks_for_an_upgrade(monkeypatch):
    real_import = installation.importlib.import_module
    for name, *_ in installation.PACKAGES:  # imported first: the fake below sees only
        real_import(name)  # check_packages's own calls, never a package's inner imports

    def fake_import(name, package=None):  # every import_module call goes through it
        if name == "tensorflow":
            return types.SimpleNamespace(__version__="2.15.1")
        return real_import(name, package)

    monkeypatch.setattr(installation.importlib, "import_module", fake_import)
    report = []
    problems = installation.check_packages(report)
    assert problems == [
        "TensorFlow 2.15.1 is older than 2.16: pip install --upgrade 'tensorflow>=2.16'"
    ]
    assert "TensorFlow  2.15.1" in report


def test_version_tuple_reads_release_candidates():
    assert installation.version_tuple("2.17.0rc1") == (2, 17)
    assert installation.version_tuple("3.0") == (3, 0)


def test_numeric_checks_pass_here():
    report = []
    assert installation.check_gradients(report) == []
    assert installation.check_training_step(report) == []
    assert "of the tutorial's" in report[0]


@pytest.mark.slow
def test_mono_pytorch_and_jax_are_optional_and_named_with_their_packages(tmp_path):
    """Without mcs and mono on PATH, and without PyTorch and JAX, the C# cross-check,
    PyTorch and JAX are reported as optional, and the installation still works; with
    Mono, one C# step in each order is checked."""
    (tmp_path / "bin").mkdir()
    env = {"PATH": str(tmp_path / "bin"), **without_package(tmp_path, "torch", "jax", "optax")}
    done = run_script("test_installation.py", env=env)
    assert done.returncode == 0, done.stdout
    shown = done.stdout.splitlines()
    assert (
        "Mono        not installed (optional, for C#: apt-get install mono-mcs mono-runtime)"
        in shown
    )
    for name in ("PyTorch     ", "JAX         ", "optax       "):
        assert any(line.startswith(f"{name}not installed (optional") for line in shown), shown
    report = []
    assert installation.check_csharp(report) == []
    if FRAMEWORKS["csharp"].installed:
        assert report[0].startswith("Mono        ")
        assert report[1].startswith("C# step     float64 C# vs numpy_ref, both orders: max |Δw| ")
