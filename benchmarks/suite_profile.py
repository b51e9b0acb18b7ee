"""Where the test suite's time goes: run pytest, then say which files kept the workers
busy and which processes the tests started spent the CPU.

    python benchmarks/suite_profile.py                 # the whole suite
    python benchmarks/suite_profile.py -m "not slow"   # any pytest arguments

Three tables, after pytest's own output:

1. the run: wall time, CPU seconds of everything it started, and how long
   the workers waited before their first test (collection: every worker
   imports the frameworks);
2. each worker's busy time and when it ran out of tests (both busy to the
   end: no scheduling slack is left), and the test files by the worker time
   their tests took (a test waiting on a process it started counts);
3. the Python processes the run started, by CPU seconds: the xdist workers,
   Keras's backend children, the scripts run as a user runs them.

How: a pytest plugin writes each test's worker, start and end; a
sitecustomize.py on PYTHONPATH writes, as each Python process ends, its
command line and CPU time.  A process killed by a signal, or started with
a PYTHONPATH of its own, is not in table 3 (its CPU is in table 1's total).
The sitecustomize.py stands in for any other on the path while it runs.
Timings are the machine's of the moment: compare runs made back to back.
Exits with pytest's status.
"""

import collections
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The folder the two recorders write to, named in their environment.
LOGS = "SUITE_PROFILE_LOGS"
#: Rows of tables 2 and 3.
SHOWN = 15

#: Written as sitecustomize.py: every Python process writes its line as it ends.
PROCESS_RECORDER = f"""
import atexit, os, resource, sys

def _command():
    # the command line after the interpreter (all of python -c's code, where
    # sys.argv has only '-c'), or the xdist worker this process is
    if "xdist" in sys.modules and "PYTEST_XDIST_WORKER" in os.environ:
        return "pytest-xdist's worker " + os.environ["PYTEST_XDIST_WORKER"]
    try:
        with open("/proc/self/cmdline", "rb") as stream:
            words = stream.read().decode(errors="replace").split("\\0")[1:]
    except OSError:
        words = sys.argv
    return " ".join(" ".join(words).split())[:160]

def _write():
    used = resource.getrusage(resource.RUSAGE_SELF)
    line = [str(used.ru_utime + used.ru_stime), _command()]
    with open(os.path.join(os.environ["{LOGS}"], f"process-{{os.getpid()}}"), "w") as out:
        out.write("\\t".join(line))

if "{LOGS}" in os.environ:
    atexit.register(_write)
"""

#: Written as suite_profile_plugin.py: each test's worker, start and end.
TEST_RECORDER = f"""
import os, time
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.time()
    yield
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(os.path.join(os.environ["{LOGS}"], f"tests-{{worker}}"), "a") as out:
        out.write(f"{{worker}}\\t{{start}}\\t{{time.time()}}\\t{{item.nodeid}}\\n")
"""


class Terminated(Exception):
    """SIGTERM, passed on to pytest."""


def _terminated(signum, frame):
    raise Terminated


def run_pytest(arguments, logs):
    """(pytest's exit status, when it started, its wall seconds, the CPU seconds of
    every process it started)."""
    for name, text in (
        ("sitecustomize.py", PROCESS_RECORDER),
        ("suite_profile_plugin.py", TEST_RECORDER),
    ):
        with open(os.path.join(logs, name), "w", encoding="utf-8") as out:
            out.write(text)
    path = os.pathsep.join(filter(None, [logs, os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PYTHONPATH": path, LOGS: logs}
    command = [sys.executable, "-m", "pytest", "-p", "suite_profile_plugin", *arguments]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    child = subprocess.Popen(command, cwd=ROOT, env=environment)
    try:
        status = child.wait()
    except KeyboardInterrupt:  # pytest had the same Ctrl-C: it stops its workers
        child.wait()
        raise
    except Terminated:
        child.terminate()
        child.wait()
        raise
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return status, start, time.time() - start, cpu


def read_lines(logs, prefix):
    for name in sorted(os.listdir(logs)):
        if name.startswith(prefix):
            with open(os.path.join(logs, name), encoding="utf-8") as stream:
                yield from (line.rstrip("\n").split("\t") for line in stream if line.strip())


def run_line(start, wall, cpu, tests):
    first = min(float(begin) for _, begin, _, _ in tests)
    return (
        f"The run: {wall:.0f} s wall, {cpu:.0f} CPU s in all its processes,"
        f" {len(tests)} tests, the first after {first - start:.0f} s"
    )


def worker_tables(start, tests):
    busy = collections.defaultdict(float)
    last = collections.defaultdict(float)
    files = collections.defaultdict(float)
    for worker, begin, end, test in tests:
        busy[worker] += float(end) - float(begin)
        last[worker] = max(last[worker], float(end) - start)
        files[test.split("::")[0]] += float(end) - float(begin)
    lines = [f"{'worker':<8} {'busy s':>7} {'last test ended at s':>21}"]
    lines += [f"{w:<8} {busy[w]:7.0f} {last[w]:21.0f}" for w in sorted(busy)]
    lines += ["", f"{'worker s':>8}  test file (the {SHOWN} that took longest)"]
    ranked = sorted(files.items(), key=lambda item: -item[1])[:SHOWN]
    lines += [f"{seconds:8.1f}  {name}" for name, seconds in ranked]
    return "\n".join(lines)


def process_table(processes):
    ranked = sorted(processes, key=lambda process: -float(process[0]))
    lines = [
        f"{len(processes)} Python processes wrote their CPU time,"
        f" {sum(float(cpu) for cpu, _ in processes):.0f} s in all; the {SHOWN} dearest:",
        f"{'CPU s':>7}  command line",
    ]
    lines += [f"{float(cpu):7.1f}  {command}" for cpu, command in ranked[:SHOWN]]
    return "\n".join(lines)


def main(argv=None):
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    signal.signal(signal.SIGTERM, _terminated)
    with tempfile.TemporaryDirectory(prefix="suite-profile-") as logs:
        try:
            status, start, wall, cpu = run_pytest(arguments, logs)
        except (KeyboardInterrupt, Terminated) as stop:
            how = "terminated" if isinstance(stop, Terminated) else "interrupted"
            print(f"{how}: pytest was stopped, nothing to show", file=sys.stderr)
            return 143 if how == "terminated" else 130
        tests = list(read_lines(logs, "tests-"))
        processes = list(read_lines(logs, "process-"))
    if not tests:  # pytest refused its arguments, or selected no test: it said why
        return status
    for table in (run_line(start, wall, cpu, tests), worker_tables(start, tests)):
        print()
        print(table)
    print()
    print(process_table(processes))
    return status


if __name__ == "__main__":
    sys.exit(main())
