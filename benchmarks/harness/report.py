"""Markdown for the reports: machine information, number formats, tables, before/after."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from collections.abc import Sequence
from pathlib import Path

MIB = 2**20

# a "before and after" ratio this close to 1 is within the run-to-run spread of a shared
# 2-core machine, not a regression (the verdict says so rather than hiding it)
NOISE = 0.97

README_START = "<!-- BENCHMARKS:START -->"
README_END = "<!-- BENCHMARKS:END -->"


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine_info(versions: dict[str, str]) -> list[str]:
    """Bullet lines: CPU, OS, Python, library versions, load average."""
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
        mem_s = f"{mem:.0f} GiB"
    except (OSError, ValueError, IndexError):
        mem_s = "?"
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    try:
        import numpy

        np_v = numpy.__version__
    except ImportError:
        np_v = "not installed"
    libs = ", ".join(f"{k} {v}" for k, v in versions.items())
    return [
        f"- CPU: {cpu_model()} ({os.cpu_count()} logical cores, {cores()} usable), RAM {mem_s}",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}, numpy {np_v}",
        f"- Libraries: {libs}",
        f"- Load average at start (1/5/15 min): {load}",
    ]


def lib_versions(methods: dict, versions: dict[str, str]) -> dict[str, str]:
    """{library: version} from {method: version} (the first method of each library)."""
    out: dict[str, str] = {}
    for name, v in versions.items():
        lib = methods[name].lib if name in methods else name
        if lib != "raw":
            out.setdefault(lib, v)
    return out


# --------------------------------------------------------------------------- numbers


def fmt_time(s: float) -> str:
    return f"{s * 1000:,.0f} ms" if s >= 1 else f"{s * 1000:,.1f} ms"


def ms(s: float | None) -> str:
    """Milliseconds with three significant digits below 10 ms."""
    if s is None:
        return ""
    if s < 0.001:
        return f"{s * 1000:.3f} ms"
    if s < 0.01:
        return f"{s * 1000:.2f} ms"
    return fmt_time(s)


def mib(n: float) -> str:
    return f"{n / MIB:,.1f} MiB"


def times(x: float) -> str:
    return f"{x:,.0f}×" if x >= 100 else f"{x:.1f}×" if x >= 1 else f"{x:.2g}×"


def ratio(a: float | None, b: float | None) -> str:
    return times(a / b) if a and b else "n/a"


def table(head: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """A markdown table; the first ``left`` columns are left-aligned, the rest right."""
    out = ["| " + " | ".join(head) + " |"]
    out.append("|" + "---|" * left + "---:|" * (len(head) - left))
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


# --------------------------------------------------------------------------- before/after


def speedup_verdict(x: float) -> str:
    if x >= 1:
        return "as fast or faster"
    if x >= NOISE:
        return f"within noise (≥ {NOISE}×)"
    return "**slower**"


class BeforeAfter:
    """The "before and after" table: the current build against ``rs_dicom@REV``.

    Each row is a measurement where lower is better (a time); the speed-up is old / new.
    """

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.worst: float | None = None

    def add(
        self,
        what: str,
        new: tuple[float, float] | None,
        old: tuple[float, float] | None,
        rev: str,
        show=ms,
    ) -> None:
        """``new``/``old``: (wall, CPU) seconds of the current build and of the baseline."""
        if not new or not old:
            return
        x, xc = old[0] / new[0], old[1] / new[1]
        self.worst = x if self.worst is None else min(self.worst, x)
        self.rows.append(
            [what, rev, show(old[0]), show(new[0]), f"{x:.2f}×", f"{xc:.2f}×", speedup_verdict(x)]
        )

    def render(self, title: str = "## Before and after") -> list[str]:
        if not self.rows:
            return []
        head = ["case", "before", "before (wall)", "now (wall)", "speed-up", "CPU", "verdict"]
        out = [title, ""]
        out += [
            "The current build against rs_dicom built from an earlier revision (`--baseline "
            "REV`), measured in the same run, interleaved. Speed-up = before / now (> 1: now "
            f"is faster); a ratio ≥ {NOISE} is within the spread of repeated runs on this "
            "machine.",
            "",
        ]
        out += table(head, self.rows, left=2)
        return out + [""]

    @classmethod
    def of_cases(cls, results: dict[str, dict[str, dict]], methods: dict) -> BeforeAfter:
        """Rows for every case where the current ``rs_dicom`` and a baseline clone of it both
        have timed runs (``seconds`` and ``cpu`` medians)."""
        from . import baseline

        ba = cls()
        for case, per_lib in results.items():
            new = per_lib.get("rs_dicom") or {}
            for name, m in methods.items():
                rev = baseline.revision(m.lib)
                old = per_lib.get(name) or {}
                if rev and new.get("runs") and old.get("runs"):
                    ba.add(case, (new["seconds"], new["cpu"]), (old["seconds"], old["cpu"]), rev)
        return ba


def replace_block(readme: Path, block: str) -> None:
    """Replace the text between the BENCHMARKS:START/END markers of ``readme``."""
    text = readme.read_text()
    pat = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.S)
    if not pat.search(text):
        raise SystemExit(f"{readme}: no {README_START} ... {README_END} block")
    new = f"{README_START}\n{block.strip()}\n{README_END}"
    readme.write_text(pat.sub(lambda _: new, text, count=1))
