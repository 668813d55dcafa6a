"""What every benchmark script shares: provenance, reports and memory readings.

Each script prints its tables through a :class:`Report` and, with ``--out
DIR``, writes them to ``DIR/<name>.md`` under a header that says which
command, commit, library versions and machine produced them.
"""

import ast
import csv
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _git(*args):
    return subprocess.run(
        ["git", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
    ).stdout.strip()


def _commit():
    """HEAD's short hash, marked when the working tree differs from it (the
    results folder aside: a run writes its own files there)."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changed = _git(
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ":/",
            f":(exclude,top){RESULTS.relative_to(RESULTS.parents[1])}",
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" with uncommitted changes" if changed else "")


def _processor():
    """The processor's model name where the system tells it, and its
    architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine():
    """The processor, cores and library versions, in one line."""
    import imblearn
    import numpy
    import sklearn
    import torch

    import sklstm

    return (
        f"{_processor()}, {os.cpu_count()} cores, "
        f"torch's CPU kernels {torch.backends.cpu.get_cpu_capability()}, "
        f"{torch.get_num_threads()} torch thread(s); Python "
        f"{platform.python_version()}, sklstm {sklstm.__version__}, torch "
        f"{torch.__version__}, scikit-learn {sklearn.__version__}, imbalanced-learn "
        f"{imblearn.__version__}, numpy {numpy.__version__}"
    )


def command():
    """The command line that is running, quoted as a shell would need it."""
    script = f"benchmarks/{Path(sys.argv[0]).name}"
    return "python " + shlex.join([script, *sys.argv[1:]])


def header():
    """The provenance block at the top of every results file."""
    return f"Command: `{command()}`  \nCommit: {_commit()}  \nMachine: {machine()}"


def provenance(n_fits, seconds, jobs):
    """How long a run of fits took, and how they ran, as one sentence."""
    return (
        f"`{command()}`: {n_fits} fits in {seconds:.0f} s, {jobs} fits in "
        "parallel, 1 thread each. Seeded: the same commit, torch build and "
        "processor (see Machine) repeat these figures bit for bit, whatever "
        "the number of parallel fits; elsewhere a fit's arithmetic differs in "
        "the last bits, and a figure moves within its spread over resamples."
    )


class Report:
    """Print lines and keep them, to write them with a provenance header."""

    def __init__(self):
        self.lines = []

    def __call__(self, *lines):
        for line in lines:
            print(line, flush=True)
            self.lines.append(str(line))

    def write(self, out, name):
        """``out/name.md`` (``out`` None: nothing written)."""
        if out is None:
            return None
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.md"
        path.write_text(header() + "\n\n" + "\n".join(self.lines) + "\n")
        return path


def write_results(out, name, text, rows):
    """``out/name.md`` (``text`` under the provenance header) and
    ``out/name.csv`` (``rows``, dicts of one set of keys)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(header() + "\n\n" + text + "\n")
    with (out / f"{name}.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def proc_status_mb(field):
    """A memory figure of this process from ``/proc/self/status`` (``VmHWM``:
    peak resident set, ``VmRSS``: resident set, ``RssAnon``: anonymous
    resident memory), in MB; NaN where ``/proc`` is missing."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak():
    """Restart ``VmHWM`` from the current resident set (Linux only)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def parse_config(text, named):
    """Parameter changes from a name of ``named`` (``{name: {param: value}}``)
    or from ``key=value,key=value`` text (values as Python literals)."""
    if text in named:
        return named[text]
    changes = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        changes[key.strip()] = ast.literal_eval(value.strip())
    return changes
