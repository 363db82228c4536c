"""The parent side of the harness: methods, workers in fresh subprocesses, interleaved runs.

A *method* is one way of doing a case: a library (what ``--libs`` selects) and the API it
is called through.  Every run of a method is a fresh subprocess (the script itself with
``--worker``, see :mod:`harness.worker`), started with the method's interpreter and
environment.  :meth:`Runner.measure` does the untimed warm-up runs (which also warm the OS
page cache), then ``repeat`` rounds in which every job runs once, in order, so that drift
on a shared machine hits every method alike; :func:`summarize` takes the medians.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from . import baseline

# numpy's OpenBLAS starts a thread per core (in a perf profile of an rs_dicom CT loop its
# blas_thread_server took ~6 % of the samples); nothing here uses BLAS, and on a small
# machine those threads only add noise to the timings and to the CPU time, which counts
# every thread of the worker
WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Method:
    """One way of doing the cases: a library and its API (per case in ``notes``)."""

    lib: str
    notes: dict[str, str]  # case -> what the code does; "*" for every case
    env: dict[str, str] = field(default_factory=dict)
    only: tuple[str, ...] | None = None  # the cases (or codecs) it applies to; None: all
    python: str | None = None  # interpreter of its workers; None: this one
    base: str | None = None  # for a baseline clone: the method it was cloned from

    def note(self, case: str) -> str:
        return self.notes.get(case) or self.notes.get("*", "")

    def applies(self, key: str) -> bool:
        return self.only is None or key in self.only


def with_baselines(methods: dict[str, Method], libs: Iterable[str]) -> dict[str, Method]:
    """The methods of the selected libraries; each ``rs_dicom@REV`` in ``libs`` adds a clone
    of every rs_dicom method, run by that revision's interpreter, right after the original."""
    libs = list(libs)
    revs = [r for r in map(baseline.revision, libs) if r]
    out: dict[str, Method] = {}
    for name, m in methods.items():
        if m.lib in libs:
            out[name] = m
        if m.lib != baseline.LIB:
            continue
        for rev in revs:
            out[baseline.rename(name, rev)] = dataclasses.replace(
                m, lib=baseline.label(rev), python=baseline.interpreter(rev), base=name
            )
    return out


class WorkerError(RuntimeError):
    """A worker exited with an error; the message is its last line of stderr."""


class Job(NamedTuple):
    """One cell of a benchmark: a method in a group (case or codec), with its request."""

    group: str
    method: str
    request: dict[str, Any]


class Runner:
    """Runs a script's workers for its methods."""

    def __init__(self, script: str | Path, methods: dict[str, Method], env: dict[str, str]):
        self.script = str(Path(script).resolve())
        self.methods = methods
        self.env = env

    def call(self, method: str, request: dict[str, Any]) -> dict[str, Any]:
        """Run one worker of ``method``; its JSON result (raises :class:`WorkerError`)."""
        m = self.methods[method]
        req = {"method": m.base or method, "label": method, "lib": m.lib, **request}
        cmd = [m.python or sys.executable, self.script, "--worker", json.dumps(req)]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env={**os.environ, **self.env, **m.env}
        )
        if proc.returncode != 0:
            err = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise WorkerError(f"{method}: {err}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def detect(
        self, extra: Callable[[str], dict[str, Any]] | None = None
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Probe each method in a worker (request ``{"case": "probe", **extra(method)}``):
        ({method: version}, {method: why it was skipped}); the skipped ones are dropped."""
        versions, skipped = {}, {}
        for name in self.methods:
            try:
                res = self.call(name, {"case": "probe", **(extra(name) if extra else {})})
            except WorkerError as exc:
                skipped[name] = str(exc).split(": ", 1)[-1]
                print(f"skipping {name}: {skipped[name]}", file=sys.stderr)
                continue
            if "not_applicable" in res:
                skipped[name] = res["not_applicable"]
                continue
            versions[name] = res["version"]
        for name in skipped:
            del self.methods[name]
        return versions, skipped

    def measure(
        self,
        jobs: list[Job],
        repeat: int,
        warmup: int,
        log: Callable[[Job, dict[str, Any]], str] | None = None,
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """Warm-up runs, then ``repeat`` interleaved rounds over ``jobs``.

        Returns {group: {method: outcome}} in job order; an outcome is ``{"runs": [...]}``,
        ``{"error": message}`` or ``{"not_applicable": reason}``.
        """
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for j in jobs:
            out.setdefault(j.group, {})[j.method] = {"runs": []}
        live = list(jobs)

        def run(j: Job) -> dict[str, Any] | None:
            cell = out[j.group][j.method]
            try:
                res = self.call(j.method, j.request)
            except WorkerError as exc:
                print(f"  {exc}", file=sys.stderr)
                cell.clear()
                cell["error"] = str(exc).split(": ", 1)[-1]
                live.remove(j)
                return None
            if "not_applicable" in res:
                cell.clear()
                cell.update(res)
                live.remove(j)
                return None
            return res

        for _ in range(warmup):
            for j in list(live):
                run(j)
        for r in range(repeat):
            for j in list(live):
                res = run(j)
                if res is None:
                    continue
                out[j.group][j.method]["runs"].append(res)
                if log:
                    print(f"  run {r + 1}/{repeat} {log(j, res)}", file=sys.stderr)
        return out


def _median_tree(values: list[Any]) -> Any:
    first = values[0]
    if isinstance(first, dict):
        keys = [k for k in first if all(isinstance(v, dict) and k in v for v in values)]
        return {k: _median_tree([v[k] for v in values]) for k in keys}
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return statistics.median(values)
    return first


def summarize(runs: list[dict[str, Any]], fixed: Iterable[str] = ("check",)) -> dict[str, Any]:
    """Medians of every number in the runs (recursively); other values, and the keys in
    ``fixed``, from the first run.  ``consistent``: every run gave the same check value."""
    med = _median_tree(runs)
    for key in fixed:
        if key in runs[0]:
            med[key] = runs[0][key]
    med["runs"] = runs
    med["consistent"] = all(r.get("check") == runs[0].get("check") for r in runs)
    return med


def spread(runs: list[dict[str, Any]], *path: str) -> tuple[float, float]:
    """(min, max) over the runs of the number at ``path``."""
    vals = []
    for r in runs:
        v: Any = r
        for key in path:
            v = v[key]
        vals.append(v)
    return min(vals), max(vals)


def finished(cell: dict[str, Any] | None) -> bool:
    """Whether an outcome of :meth:`Runner.measure` has timed runs."""
    return bool(cell) and bool(cell.get("runs"))


def log_checks(cells: dict[str, dict[str, Any]], width: int = 30) -> None:
    """Drop the methods a check run found not applicable; print the others' outcome
    (``unsupported``, ``error``, or ``ok`` with the ``notes`` of a mismatch)."""
    for m, r in list(cells.items()):
        if "not_applicable" in r:
            del cells[m]
            continue
        state = (
            "not available"
            if "unsupported" in r
            else f"failed: {r['error']}"
            if "error" in r
            else ("ok" if r["ok"] else "MISMATCH " + "; ".join(r["notes"]))
        )
        print(f"  {m:{width}s} {state}", file=sys.stderr)


def outcomes(
    out: dict[str, dict[str, dict[str, Any]]], groups: Iterable[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]]]:
    """Of :meth:`Runner.measure`'s outcomes: ({group: {method: summary}} of the finished
    cells, {group: {method: error}})."""
    results, errors = {}, {}
    for g in groups:
        cells = out.get(g, {})
        results[g] = {m: summarize(c["runs"]) for m, c in cells.items() if finished(c)}
        errors[g] = {m: c["error"] for m, c in cells.items() if "error" in c}
    return results, errors
