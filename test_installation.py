"""Check that this installation can run the project, and say what to fix if not.

Reports the versions of Python, TensorFlow, Keras, NumPy, matplotlib and tqdm and
the devices TensorFlow sees, then runs two real checks:

1. TensorFlow's tape gradients at the tutorial's starting weights against the
   tutorial's published dE/dw1..dE/dw8;
2. one float64 training step of the tape trainer (ann_tensorflow.py) against
   numpy_ref.

PyTorch, JAX and optax are optional (requirements-frameworks.txt): where they
are installed, their versions are reported and PyTorch's and JAX's autodiff
gradients are checked against the tutorial's the same way; where they are
not, the report says so and the installation still works.  So is Mono (apt-get install mono-mcs
mono-runtime), for the C# cross-check: where mcs and mono are on PATH, Mono's
version is reported and one C# step in each order is checked against
numpy_ref.

Exit status 0 when everything holds; 1 with one line per problem, each naming
the fix; 2 for a bad command line.

    python test_installation.py
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split


import importlib
import platform
import sys

from console.parser import ArgumentParser, add_verbose_argument
from console.process import stops_cleanly
from console.terminal import quiet_tensorflow_logs
from frameworks import tensorflow_backend  # noqa: F401  Keras is checked on TensorFlow
from support.packages import installed

#: (import name, shown name, lowest version that works, pip requirement)
PACKAGES = (
    ("numpy", "NumPy", (1, 26), "numpy>=1.26"),
    ("matplotlib", "matplotlib", (3, 8), "matplotlib>=3.8"),
    ("tensorflow", "TensorFlow", (2, 16), "tensorflow>=2.16"),
    ("keras", "Keras", (3, 0), "tensorflow>=2.16"),
    ("tqdm", "tqdm", (4, 66), "tqdm>=4.66"),
)
#: (import name, shown name, lowest version, what installs it): optional extras.
OPTIONAL_PACKAGES = tuple(
    (name, shown, lowest, "pip install -r requirements-frameworks.txt")
    for name, shown, lowest in (
        ("torch", "PyTorch", (2, 4)),
        ("jax", "JAX", (0, 4)),
        ("optax", "optax", (0, 2)),
    )
)
#: The oldest Python the README names and the test suite has passed on.
MINIMUM_PYTHON = (3, 11)

#: The tutorial's published gradients at the starting weights, w1..w8.
PUBLISHED_GRADIENTS = (
    0.000438568,
    0.00087714,
    0.00049771,
    0.00099543,
    0.082167041,
    0.08266763,
    -0.02260254,
    -0.02274024,
)
#: The tutorial prints eight or nine decimals; agreement to 1e-8 is agreement.
PUBLISHED_TOLERANCE = 1e-8
#: float64 autodiff and the formulas agree to rounding after one step.
FLOAT64_TOLERANCE = 1e-12


def version_tuple(text):
    """'2.16.1' -> (2, 16); '2.17.0rc1' -> (2, 17)."""
    numbers = []
    for part in text.split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit()) or "0"
        numbers.append(int(digits))
    return tuple(numbers)


def check_python():
    if sys.version_info[:2] < MINIMUM_PYTHON:
        wanted = ".".join(map(str, MINIMUM_PYTHON))
        return [f"Python {platform.python_version()} is too old: install Python {wanted} or newer"]
    return []


def check_packages(report):
    """Import each package; add 'name version' to report; return the problems."""
    problems = []
    for module_name, shown, lowest, requirement in PACKAGES:
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # ImportError, or a broken install's own error
            problems.append(
                f"{shown} cannot be imported ({type(error).__name__}: {error}): "
                f"pip install '{requirement}'"
            )
            continue
        version = getattr(module, "__version__", "unknown")
        report.append(f"{shown:<11} {version}")
        if version_tuple(version) < lowest:
            wanted = ".".join(map(str, lowest))
            problems.append(
                f"{shown} {version} is older than {wanted}: pip install --upgrade '{requirement}'"
            )
    return problems


def check_optional_packages(report):
    """Report each optional package's version, or that it is not installed (not a
    problem); a package that is there but too old or broken is one."""
    problems = []
    for module_name, shown, lowest, install in OPTIONAL_PACKAGES:
        if not installed(module_name):
            report.append(f"{shown:<11} not installed (optional: {install})")
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # a broken install's own error
            problems.append(
                f"{shown} cannot be imported ({type(error).__name__}: {error}): {install}"
            )
            continue
        version = getattr(module, "__version__", "unknown")
        report.append(f"{shown:<11} {version}")
        if version_tuple(version) < lowest:
            problems.append(
                f"{shown} {version} is older than {'.'.join(map(str, lowest))}: {install}"
            )
    return problems


def check_devices(report):
    import tensorflow as tf

    devices = tf.config.list_physical_devices()
    kinds = ", ".join(f"{d.device_type} ({d.name})" for d in devices) or "none"
    report.append(f"{'devices':<11} {kinds}")
    return [] if devices else ["TensorFlow sees no device at all: reinstall tensorflow"]


def check_gradients(report):
    """The tape's dE/dw1..dE/dw8 at the starting weights against the tutorial's."""
    import numpy as np

    from frameworks.tape import TapeNetwork
    from numpy_ref import MAZUR

    network = TapeNetwork(MAZUR, "float64")
    (hidden_kernel_gradient, output_kernel_gradient), _ = network.gradients()
    # kernels are W.T; transpose back to read them as w1..w4, w5..w8
    tape = np.concatenate(
        [hidden_kernel_gradient.numpy().T.ravel(), output_kernel_gradient.numpy().T.ravel()]
    )
    worst = float(np.max(np.abs(tape - np.array(PUBLISHED_GRADIENTS))))
    report.append(f"{'gradients':<11} tape dE/dw1..dE/dw8 within {worst:.1e} of the tutorial's")
    if worst > PUBLISHED_TOLERANCE:
        return [
            f"tape gradients differ from the tutorial's by {worst:.1e}: "
            f"reinstall with pip install --force-reinstall 'tensorflow>=2.16'"
        ]
    return []


def check_pytorch_gradients(report):
    """PyTorch autograd's dE/dw1..dE/dw8 at the starting weights against the tutorial's
    (nothing to check where PyTorch is not installed)."""
    if not installed("torch"):
        return []
    import numpy as np

    from frameworks.pytorch import TorchNetwork
    from numpy_ref import MAZUR

    network = TorchNetwork(MAZUR, "float64")
    loss = network.loss(network.target, network.forward()[3])
    loss.backward()  # autograd: dE/dK into each kernel's .grad; the kernels are W.T
    autograd = np.concatenate(
        [network.hidden_kernel.grad.numpy().T.ravel(), network.output_kernel.grad.numpy().T.ravel()]
    )
    return _against_the_tutorial(report, "autograd", "PyTorch", autograd)


def check_jax_gradients(report):
    """jax.grad's dE/dw1..dE/dw8 at the starting weights against the tutorial's
    (nothing to check where JAX or optax is not installed)."""
    if not (installed("jax") and installed("optax")):
        return []
    import numpy as np

    from frameworks.jax_autodiff import JaxNetwork
    from numpy_ref import MAZUR

    gradients = JaxNetwork(MAZUR, "float64").first_iteration("parallel")[2]  # W orientation
    autodiff = np.concatenate([gradients["hidden"].ravel(), gradients["output"].ravel()])
    return _against_the_tutorial(report, "jax.grad", "JAX", autodiff)


def _against_the_tutorial(report, what, framework, gradients):
    """Report how far ``gradients`` (dE/dw1..dE/dw8) are from the tutorial's; a problem
    line beyond its precision."""
    import numpy as np

    worst = float(np.max(np.abs(gradients - np.array(PUBLISHED_GRADIENTS))))
    report.append(f"{what:<11} {framework} dE/dw1..dE/dw8 within {worst:.1e} of the tutorial's")
    if worst > PUBLISHED_TOLERANCE:
        return [
            f"{framework}'s gradients differ from the tutorial's by {worst:.1e}: "
            f"reinstall with pip install --force-reinstall -r requirements-frameworks.txt"
        ]
    return []


def mono_version():
    """'6.8.0.105': the version `mono --version` names on its first line."""
    import subprocess

    done = subprocess.run(["mono", "--version"], capture_output=True, text=True)
    words = done.stdout.split()
    return words[words.index("version") + 1] if "version" in words else "unknown"


def check_csharp(report):
    """One C# step (Mono) in each order against numpy_ref's, where Mono is installed
    (it is optional: the report says how to get it where it is not)."""
    from implementations import FRAMEWORKS

    framework = FRAMEWORKS["csharp"]
    if not framework.installed:
        report.append(f"{'Mono':<11} not installed (optional, for C#: {framework.install})")
        return []
    import numpy as np

    import numpy_ref
    from frameworks import csharp

    report.append(f"{'Mono':<11} {mono_version()}")
    try:
        worst = max(
            _largest_weight_difference(csharp.train(1, update), numpy_ref.train(1, update))
            for update in numpy_ref.UPDATE_ORDERS
        )
    except (OSError, RuntimeError) as error:
        return [f"the C# cross-check cannot run ({error}): {framework.install}"]
    report.append(f"{'C# step':<11} float64 C# vs numpy_ref, both orders: max |Δw| {worst:.1e}")
    if not np.isfinite(worst) or worst > FLOAT64_TOLERANCE:
        return [f"one C# step differs from numpy_ref by {worst:.1e}: {framework.install}"]
    return []


def _largest_weight_difference(run, reference):
    """max |Δw| between two runs' final w1..w8."""
    import numpy as np

    return max(
        float(np.max(np.abs(getattr(run, name) - getattr(reference, name))))
        for name in ("final_hidden_weights", "final_output_weights")
    )


def check_training_step(report):
    """One float64 update by autodiff against one by the hand-written formulas."""
    import numpy_ref
    from frameworks import tape as tape_trainer

    worst = max(
        _largest_weight_difference(tape_trainer.train(1, update, dtype="float64"), formulas)
        for update, formulas in ((u, numpy_ref.train(1, u)) for u in numpy_ref.UPDATE_ORDERS)
    )
    report.append(f"{'one step':<11} float64 tape vs numpy_ref, both orders: max |Δw| {worst:.1e}")
    if worst > FLOAT64_TOLERANCE:
        return [
            f"one float64 training step differs from numpy_ref by {worst:.1e}: "
            f"reinstall with pip install --force-reinstall -r requirements.txt"
        ]
    return []


def run_checks():
    """(report lines, problem lines)."""
    report = [f"{'Python':<11} {platform.python_version()}"]
    problems = check_python() + check_packages(report) + check_optional_packages(report)
    if any(line.startswith(("TensorFlow", "Keras", "NumPy")) for line in problems):
        return report, problems  # the numeric checks need all three
    checks = [check_devices, check_gradients, check_training_step, check_csharp]
    if not any(line.startswith("PyTorch") for line in problems):
        checks.append(check_pytorch_gradients)
    if not any(line.startswith(("JAX", "optax")) for line in problems):
        checks.append(check_jax_gradients)
    for check in checks:
        problems += check(report)
    return report, problems


def build_parser():
    """The script's console.parser.ArgumentParser: every option it takes."""
    parser = ArgumentParser("test_installation.py", __doc__)
    add_verbose_argument(parser)
    return parser


def parse_args(argv=None):
    return build_parser().parse_args(argv)


@stops_cleanly
def main(argv=None):
    args = parse_args(argv)
    quiet_tensorflow_logs(args.verbose)
    report, problems = run_checks()
    print("\n".join(report))
    if problems:
        print(f"\n{len(problems)} problem(s):")
        print("\n".join(f"  {line}" for line in problems))
        return 1
    print("\nThe installation works.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
