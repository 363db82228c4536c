"""Command-line options shared by the benchmark scripts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import baseline
from .worker import serve

HERE = Path(__file__).resolve().parent.parent
DEFAULT_DATA = HERE / "data"


def worker_entry(
    argv: Sequence[str] | None, work: Callable[[dict[str, Any]], dict[str, Any]]
) -> int | None:
    """If this process is a worker (``--worker JSON``), serve the request and return the exit
    code; otherwise None (the script goes on as the parent)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) == 2 and argv[0] == "--worker":
        return serve(work, argv[1])
    return None


def parser(doc: str, libs: Sequence[str], output: Path, repeat: int) -> argparse.ArgumentParser:
    """An argument parser with the options every script has."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data directory")
    p.add_argument(
        "--libs",
        default=",".join(libs),
        help=f"comma-separated subset of {','.join(libs)}, and rs_dicom@REV for rs_dicom "
        "built from git revision REV (see --baseline)",
    )
    p.add_argument(
        "--baseline",
        action="append",
        default=[],
        metavar="REV",
        help="also run rs_dicom as built from git revision REV (benchmarks/baseline.sh, "
        "cached in benchmarks/.baseline/): the library rs_dicom@REV; repeatable",
    )
    p.add_argument("--repeat", type=int, default=repeat, help=f"timed processes ({repeat})")
    p.add_argument(
        "--output", type=Path, default=output, help="markdown file to write ('-' to skip)"
    )
    p.add_argument("--json", type=Path, default=None, help="also write raw results as JSON")
    return p


def split(p: argparse.ArgumentParser, text: str, allowed: Sequence[str], what: str) -> list[str]:
    """A comma-separated list, each item checked against ``allowed``."""
    items = [x.strip() for x in text.split(",") if x.strip()]
    for x in items:
        if x not in allowed:
            p.error(f"unknown {what} {x!r} (choose from {', '.join(allowed)})")
    return items


def libraries(p: argparse.ArgumentParser, args: argparse.Namespace, known: Sequence[str]):
    """The selected libraries: ``--libs`` (rs_dicom@REV allowed) plus one per ``--baseline``."""
    libs = []
    for x in [s.strip() for s in args.libs.split(",") if s.strip()]:
        if x not in known and not baseline.revision(x):
            p.error(f"unknown library {x!r} (choose from {', '.join(known)}, rs_dicom@REV)")
        libs.append(x)
    libs += [baseline.label(rev) for rev in args.baseline if baseline.label(rev) not in libs]
    for lib in libs:
        rev = baseline.revision(lib)
        if rev:
            try:
                baseline.interpreter(rev)  # build it now, before anything is timed
            except RuntimeError as exc:
                p.error(str(exc))
    return libs


def command(script: str) -> str:
    """The command line of this run, for the report."""
    return f"`python benchmarks/{script} " + " ".join(sys.argv[1:]) + "`"


def header_notes(script: str, args: argparse.Namespace, skipped: dict[str, str]) -> list[str]:
    """Report lines every script has: the command, a quick-run warning, skipped methods."""
    out = ["- Command: " + command(script)]
    if getattr(args, "quick", False):
        out.append("- **Quick run** (`--quick`): a smoke test, not a result")
    out += [f"- {m}: skipped ({why})" for m, why in skipped.items()]
    return out


def write(md: str, args: argparse.Namespace, **data: Any) -> None:
    """Print the report and write it to ``--output``; ``data`` (with the options) as JSON to
    ``--json``."""
    data["args"] = vars(args)
    print(md)
    if str(args.output) != "-":
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(md)
        print(f"(written to {args.output})", file=sys.stderr)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=1, default=str))
