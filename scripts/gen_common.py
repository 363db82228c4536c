"""Helpers shared by the generators of Rust tables (dictionary, private dictionary)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
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
    doc: str, default_output: Path, generate: Callable[[], str], summary: Callable[[], str]
) -> int:
    """The shared command line: write the generated file, or with ``--check`` verify it."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--output", type=Path, default=default_output)
    parser.add_argument(
        "--check", action="store_true", help="fail if the output file is not up to date"
    )
    args = parser.parse_args()
    text = generate()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; rerun the generator", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.output}: {summary()}")
    return 0
