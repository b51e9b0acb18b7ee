"""Benchmark: every script against a bare `import tensorflow`, and each trainer's cost an
iteration.

    python benchmarks/bench.py              # the full run: about 55 minutes, 2 cores
    python benchmarks/bench.py --quick      # the speed goals' figures: under 5 minutes
    python benchmarks/bench.py --runs 5 --sizes 10000

Four tables:

1. the machine: cores, CPU model, Python and TensorFlow versions;
2. whole processes: wall time and peak memory (max RSS) of each command, and
   its ratio to `python -c "import tensorflow"` measured in the same run.
   The commands run round-robin (A, B, C, A, B, C, ...) so that drift in the
   machine's speed hits all of them alike; each figure is a median;
3. in-process cost per training iteration after compilation, for each trainer
   at each size, and beneath it the goals that compare two of its rows (a Keras
   step over fit()'s floor, Adam over SGD, JAX's loop over TensorFlow's), each
   run's ratio taken within its own round.  NumPy and Keras: a run of SIZE
   iterations minus a 10-iteration run, over SIZE - 10, the 10-iteration run's
   time reported as the set-up (building, tracing) cost.  TensorFlow: its
   compiled loop called twice; the second call over SIZE, and the first minus
   the second as the set-up (tracing, compiling) cost.  C#: the set-up is mcs
   compiling the program into an empty cache (a first run's cost); then, from
   the cache, a Mono run of SIZE minus one of 10, over SIZE - 10;
4. data-parallel training (--replicas) on XOR: microseconds per step on one
   device and on REPLICAS logical devices, at the same steps per execution
   (Keras: a fit of STEPS minus one of 10; TensorFlow: the second call of its
   loop).

The benchmark only reports; it never fails on a figure.  Its trainers are
the project's registry of implementations (implementations/); tables 3 and 4
(in_process.py) run in child processes, which alone import TensorFlow (4 in
its own, which sets up logical devices before TensorFlow starts).
"""

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from in_process import (  # noqa: E402  tables 3 and 4; imports the project, from ROOT
    WARM_UP_ITERATIONS,
    goals_table,
    in_process_table,
    measure_in_process,
    measure_replicas,
    replicas_table,
)

from console.parser import RecordingParser  # noqa: E402  argparse's, keeping a record

BASELINE = ("-c", "import tensorflow")
#: The PyTorch script's rows are measured against a bare `import torch`; beside
#: them, the floor of any torch.optim run: its first optimizer imports torch._dynamo.
TORCH_BASELINE = ("-c", "import torch")
TORCH_OPTIM_FLOOR = ("-c", "import torch; torch.optim.SGD([torch.zeros(1, requires_grad=True)])")
#: The JAX script's rows are measured against a bare `import jax`; beside them, the
#: floor of any JAX program that computes: the CPU backend started, and the
#: smallest function compiled and run.
JAX_BASELINE = ("-c", "import jax")
JAX_COMPILE_FLOOR = (
    "-c",
    "import jax, jax.numpy as n; jax.jit(n.sin)(n.zeros(2)).block_until_ready()",
)

#: (arguments after `python`, its goal, expected exit).  A goal is a ratio to
#: the bare import, a kind of command that must finish within a time
#: (SECONDS_GOALS: QUICK, STUDY, ANIMATION) or None (measured, no goal).
QUICK, STUDY, ANIMATION = "quick", "study", "animation"
COMMANDS = (
    (BASELINE, None, 0),
    (("ann_tensorflow.py", "1000"), 1.15, 0),
    (("ann_tensorflow.py", "1000", "--optimizer", "adam"), 1.15, 0),
    (("ann_tensorflow.py", "100000"), 1.5, 0),
    (("ann_keras.py", "1000"), 1.3, 0),
    (("ann_keras.py", "100000"), 2.0, 0),
    (("compare_implementations.py", "1000"), 1.5, 0),
    (("compare_implementations.py", "1000", "--optimizer", "all"), None, 0),
    (("plot_tensorflow_results.py", "--out-dir", "{tmp}"), 2.0, 0),
    (("test_installation.py",), 1.3, 0),
    (("compare_implementations.py", "--study"), STUDY, 0),
    (("compare_implementations.py", "--study", "--optimizer", "adam"), STUDY, 0),
    (("ann_tensorflow.py", "10000", "--data", "xor", "--train-biases"), 1.2, 0),
    (("ann_tensorflow.py", "1000", "--data", "xor", "--replicas", "2"), None, 0),
    (("ann_keras.py", "1000", "--data", "xor", "--replicas", "2"), None, 0),
    (("compare_implementations.py", "--study", "--data", "xor"), STUDY, 0),
    (("ann_tensorflow.py", "--help"), QUICK, 0),
    (("ann_keras.py", "abc"), QUICK, 2),
    (("compare_implementations.py", "--lr", "0"), QUICK, 2),
    (("plot_tensorflow_results.py", "--help"), QUICK, 0),
    (("plot_tensorflow_results.py", "--network", "--out-dir", "{tmp}"), 1.5, 0),
    (("plot_tensorflow_results.py", "--graph", "--out-dir", "{tmp}"), 1.5, 0),
    (("plot_tensorflow_results.py", "--gradients", "--out-dir", "{tmp}"), 1.5, 0),
    (("plot_tensorflow_results.py", "--animate", "--out-dir", "{tmp}"), ANIMATION, 0),
    (TORCH_BASELINE, None, 0),
    (TORCH_OPTIM_FLOOR, None, 0),
    (("ann_pytorch.py", "1000"), 1.3, 0),
    (("ann_pytorch.py", "1000", "--update", "sequential"), 1.3, 0),
    (("ann_pytorch.py", "1000", "--optimizer", "adam"), None, 0),
    (("ann_csharp.py", "1000"), None, 0),
    (("ann_csharp.py", "1000", "--update", "sequential"), None, 0),
    (JAX_BASELINE, None, 0),
    (JAX_COMPILE_FLOOR, None, 0),
    (("ann_jax.py", "1000"), 1.3, 0),
    (("ann_jax.py", "1000", "--update", "sequential"), 1.3, 0),
    (("ann_jax.py", "100000"), None, 0),
    # Keras's three backends side by side: a step costs (10000 - 1000 steps) apart
    (("ann_keras.py", "10000", "--backend", "jax"), None, 0),
    (("ann_keras.py", "1000", "--backend", "jax"), None, 0),
    (("ann_keras.py", "10000", "--backend", "torch"), None, 0),
    (("ann_keras.py", "1000", "--backend", "torch"), None, 0),
    (("ann_keras.py", "10000"), None, 0),
)
#: --quick's commands: the speed goals' scripts, every framework's script beside its
#: own bare import, and one command that must answer at once.
QUICK_COMMANDS = {
    BASELINE,
    ("ann_tensorflow.py", "1000"),
    ("ann_keras.py", "1000"),
    ("ann_keras.py", "100000"),
    ("ann_tensorflow.py", "--help"),
    TORCH_BASELINE,
    ("ann_pytorch.py", "1000"),
    JAX_BASELINE,
    JAX_COMPILE_FLOOR,
    ("ann_jax.py", "1000"),
    ("ann_csharp.py", "1000"),
}
#: --quick's runs per figure and in-process sizes (a figure is their median).
QUICK_RUNS, QUICK_SIZES = 3, [5_000]
#: The full run's.
FULL_RUNS, FULL_SIZES = 5, [10_000, 1_000_000]

#: Seconds within which each kind of command should finish: the bad-argument
#: and --help commands, the default update-order study (and the XOR study),
#: and the 1000-iteration animation.
SECONDS_GOALS = {QUICK: 0.5, STUDY: 60, ANIMATION: 30}


def machine():
    """Cores, CPU model, Python and TensorFlow versions (no TensorFlow import)."""
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        tensorflow = importlib.metadata.version("tensorflow")
    except importlib.metadata.PackageNotFoundError:
        tensorflow = "not installed"
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "tensorflow": tensorflow,
    }


def run_once(arguments):
    """(wall seconds, peak RSS in MiB, exit status) of one `python ARGS` process."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, *arguments],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, child.returncode  # ru_maxrss is in KiB


def base_of(arguments):
    """The bare import a command is measured against: torch's for the PyTorch script,
    jax's for the JAX script."""
    if arguments == TORCH_OPTIM_FLOOR or arguments[0] == "ann_pytorch.py":
        return TORCH_BASELINE
    jax = arguments == JAX_COMPILE_FLOOR or arguments[0] == "ann_jax.py"
    return JAX_BASELINE if jax else BASELINE


def selected(only, quick=False):
    """The commands whose text contains ``only`` (all when None; with ``quick``, of
    QUICK_COMMANDS only), with the bare imports they are measured against."""
    chosen = [
        c
        for c in COMMANDS
        if (only is None or only in " ".join(c[0])) and (not quick or c[0] in QUICK_COMMANDS)
    ]
    bases = {BASELINE, *(base_of(arguments) for arguments, _, _ in chosen)}
    return [c for c in COMMANDS if c in chosen or c[0] in bases]


def time_processes(runs, out_dir, commands):
    """{command: {"wall": [...], "peak": [...], "exit": {...}}}, round-robin."""
    figures = {}
    for _ in range(runs):
        for arguments, _, _ in commands:
            concrete = tuple(a.format(tmp=out_dir) for a in arguments)
            wall, peak, status = run_once(concrete)
            entry = figures.setdefault(arguments, {"wall": [], "peak": [], "exit": set()})
            entry["wall"].append(wall)
            entry["peak"].append(peak)
            entry["exit"].add(status)
    return figures


def command_name(arguments):
    """How the table names a command: 'python ann_keras.py 1000'."""
    return "python " + " ".join(arguments).replace("{tmp}", "TMP")


def goal_text(arguments, goal):
    if arguments in (BASELINE, TORCH_BASELINE, JAX_BASELINE):
        return "base"
    if goal in SECONDS_GOALS:
        return f"<{SECONDS_GOALS[goal]:g}s"
    return "-" if goal is None else f"<= {goal:g}"


def process_table(figures, runs, commands):
    width = max(len(command_name(arguments)) for arguments, _, _ in commands)
    lines = [
        f"Whole processes: median of {runs} runs, round-robin; ratios to the bare import"
        " (of torch for ann_pytorch.py, of jax for ann_jax.py)",
        f"{'command':<{width}} {'wall s':>7} {'ratio':>6} {'target':>7} "
        f"{'peak MiB':>9} {'ratio':>6}  exit",
    ]
    for arguments, goal, expected in commands:
        entry, base = figures[arguments], figures[base_of(arguments)]
        base_wall, base_peak = (statistics.median(base[key]) for key in ("wall", "peak"))
        wall = statistics.median(entry["wall"])
        peak = statistics.median(entry["peak"])
        exits = ",".join(str(code) for code in sorted(entry["exit"]))
        if entry["exit"] != {expected}:
            exits += f" (expected {expected})"
        lines.append(
            f"{command_name(arguments):<{width}} {wall:7.2f} {wall / base_wall:6.2f} "
            f"{goal_text(arguments, goal):>7} {peak:9.0f} {peak / base_peak:6.2f}  {exits}"
        )
    return "\n".join(lines)


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def sizes_list(text):
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be whole numbers: {text!r}") from None
    if any(size <= WARM_UP_ITERATIONS for size in sizes):
        raise argparse.ArgumentTypeError(f"every size must exceed {WARM_UP_ITERATIONS}")
    return sizes


def build_parser():
    """The benchmark's parser: plain argparse, with the record of its options that
    docs/make_options_page.py reads."""
    parser = RecordingParser(
        prog="benchmarks/bench.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"the speed goals' figures in under five minutes: their commands, each"
        f" framework's script beside its import, {QUICK_RUNS} runs, in process at"
        f" {QUICK_SIZES[0]} iterations, no tf.distribute table",
    )
    parser.add_argument(
        "--runs",
        type=positive_int,
        help=f"runs per figure, each figure their median (default: {FULL_RUNS};"
        f" --quick: {QUICK_RUNS})",
    )
    parser.add_argument(
        "--sizes",
        type=sizes_list,
        help="iteration counts for the in-process table (default: 10000,1000000;"
        f" --quick: {QUICK_SIZES[0]})",
    )
    parser.add_argument(
        "--only", metavar="TEXT", help="time only the commands containing TEXT (and the baseline)"
    )
    parser.add_argument(
        "--skip-processes", action="store_true", help="leave out the whole-process table"
    )
    parser.add_argument(
        "--skip-in-process", action="store_true", help="leave out the in-process table"
    )
    parser.add_argument(
        "--trainers",
        metavar="TEXT",
        help="in the in-process table, time only the trainers whose name,"
        " update or optimizer contains TEXT (or one of several, comma-separated)",
    )
    parser.add_argument(
        "--skip-replicas", action="store_true", help="leave out the tf.distribute table"
    )
    parser.add_argument(
        "--replica-steps",
        type=positive_int,
        default=2000,
        help="steps per run in the tf.distribute table (default: 2000)",
    )
    parser.add_argument("--in-process-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--replicas-child", action="store_true", help=argparse.SUPPRESS)
    return parser


def parse_args(argv=None):
    """The arguments, with --quick's defaults or the full run's filled in."""
    args = build_parser().parse_args(argv)
    args.runs = args.runs or (QUICK_RUNS if args.quick else FULL_RUNS)
    args.sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    args.skip_replicas = args.skip_replicas or args.quick
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.in_process_child:
        print(json.dumps(measure_in_process(args.runs, args.sizes, args.trainers)))
        return 0
    if args.replicas_child:
        print(json.dumps(measure_replicas(args.runs, args.replica_steps)))
        return 0
    info = machine()
    print(
        f"Machine: {info['cores']} cores, {info['cpu']}; "
        f"Python {info['python']}, TensorFlow {info['tensorflow']}"
    )
    if not args.skip_processes:
        commands = selected(args.only, args.quick)
        with tempfile.TemporaryDirectory() as out_dir:
            figures = time_processes(args.runs, out_dir, commands)
        print()
        print(process_table(figures, args.runs, commands))
    if not args.skip_in_process:
        child = subprocess.run(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--in-process-child",
                "--runs",
                str(args.runs),
                "--sizes",
                ",".join(map(str, args.sizes)),
                *(["--trainers", args.trainers] if args.trainers else []),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        timed = json.loads(child.stdout)
        print()
        print(in_process_table(timed, args.runs))
        goals = goals_table(timed, args.runs)
        if goals:
            print()
            print(goals)
    if not args.skip_replicas:  # a child of its own: it sets up logical devices
        child = subprocess.run(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--replicas-child",
                "--runs",
                str(args.runs),
                "--replica-steps",
                str(args.replica_steps),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        print()
        print(replicas_table(json.loads(child.stdout), args.runs, args.replica_steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
