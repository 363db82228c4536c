"""Helpers shared by the generators of Rust tables (dictionary, private dictionary)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Every VR of PS3.5 table 6.2-1, i.e. every variant of `rs_dicom::core::VR`.
KNOWN_VRS = frozenset(
    "AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN "
    "UR US UT UV".split()
)


def rust_str(value: str) -> str:
    """Return `value` as a Rust string literal (ASCII only, escaped)."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{{{code:x}}}")
    out.append('"')
    return "".join(out)


def split_vrs(vr: str) -> tuple[str, ...]:
    """Split a VR column such as ``'US or SS'`` into known VR names (ValueError otherwise)."""
    vrs = tuple(part.strip() for part in vr.split(" or "))
    unknown = [v for v in vrs if v not in KNOWN_VRS]
    if unknown:
        raise ValueError(f"unknown VR(s) {unknown} in {vr!r}")
    return vrs


def is_retired(flag: str) -> bool:
    """True when the Retired column says so."""
    return "retired" in flag.lower()


def run_generator(
    doc: str,
    default_output: Path,
    generate: Callable[[], str],
    summary: Callable[[], str],
    extra_outputs: Mapping[Path, Callable[[], str]] | None = None,
) -> int:
    """The shared command line: write the generated file (and `extra_outputs`, files made from
    the same tables at fixed paths), or with ``--check`` verify that they are up to date."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--output", type=Path, default=default_output)
    parser.add_argument(
        "--check", action="store_true", help="fail if the output files are not up to date"
    )
    args = parser.parse_args()
    outputs = {args.output: generate}
    outputs.update(extra_outputs or {})
    stale = 0
    for path, make in outputs.items():
        text = make()
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                print(f"{path} is out of date; rerun the generator", file=sys.stderr)
                stale += 1
            continue
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path}")
    if not args.check:
        print(summary())
    return 1 if stale else 0
