"""Generate the PS3.15 Table E.1-1 de-identification profile table of the Rust core.

Reads ``scripts/data/ps3.15_table_e1-1.tsv`` (the rows of PS3.15 Table E.1-1, "Application
Level Confidentiality Profile Attributes", extracted from the standard's text: the Basic
Profile action and every option column) and writes ``rust/rs_dicom/src/deid/table.rs``.

The table is checked while it is read: every tag is a valid tag or one of the table's
patterns, every action one of the standard's codes (D, Z, X, K, C, U and the combinations
Z/D, X/Z, X/D, X/Z/D, X/Z/U*), option columns hold only the actions the standard uses in
them, and every attribute's name is the data dictionary's name of its tag (pydicom's
dictionary; the table spells some names its own way, listed in ``NAME_SPELLINGS``).

Usage::

    .venv/bin/python scripts/generate_deid_table.py [--check] [--output PATH]
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass

from gen_common import ROOT, run_generator, rust_str

SOURCE = ROOT / "scripts" / "data" / "ps3.15_table_e1-1.tsv"
DEFAULT_OUTPUT = ROOT / "rust" / "rs_dicom" / "src" / "deid" / "table.rs"

BASIC_ACTIONS = {
    "D": "D",
    "Z": "Z",
    "X": "X",
    "K": "K",
    "C": "C",
    "U": "U",
    "Z/D": "ZD",
    "X/Z": "XZ",
    "X/D": "XD",
    "X/Z/D": "XZD",
    "X/Z/U*": "XZU",
}
OPTION_ACTIONS = {"K": "K", "C": "C", "X": "X"}

OPTION_COLUMNS = (
    "retain_safe_private",
    "retain_uids",
    "retain_device_identity",
    "retain_institution_identity",
    "retain_patient_characteristics",
    "retain_long_full_dates",
    "retain_long_modified_dates",
    "clean_descriptors",
    "clean_structured_content",
    "clean_graphics",
)

# Names the table writes differently from the data dictionary (same attribute): the table's
# name → the dictionary's.
NAME_SPELLINGS = {
    "Icon Image Sequence (see Note 12)": "Icon Image Sequence",
}

_EXACT = re.compile(r"^([0-9A-F]{4}),([0-9A-F]{4})$")
_PATTERN = re.compile(r"^([0-9A-Fx]{4}),([0-9A-Fx]{4})$")


@dataclass(frozen=True)
class Row:
    """One row of Table E.1-1."""

    tag: str
    name: str
    in_std_iod: bool
    basic: str
    options: tuple[str, ...]


def read_rows() -> list[Row]:
    """The rows of the source table, checked (ValueError names the line)."""
    lines = [
        line for line in SOURCE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    ]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    expected = ["tag", "name", "in_std_iod", "basic", *OPTION_COLUMNS]
    if reader.fieldnames != expected:
        raise ValueError(f"{SOURCE}: columns {reader.fieldnames}, expected {expected}")
    rows = []
    seen = set()
    for n, rec in enumerate(reader, start=2):
        tag = rec["tag"]
        if not (_EXACT.match(tag) or _PATTERN.match(tag) or tag == "gggg,eeee"):
            raise ValueError(f"line {n}: bad tag {tag!r}")
        if tag in seen:
            raise ValueError(f"line {n}: {tag} listed twice")
        seen.add(tag)
        if rec["basic"] not in BASIC_ACTIONS:
            raise ValueError(f"line {n}: unknown action {rec['basic']!r}")
        if rec["in_std_iod"] not in ("Y", "N"):
            raise ValueError(f"line {n}: in_std_iod must be Y or N")
        options = tuple(rec[c] for c in OPTION_COLUMNS)
        for col, value in zip(OPTION_COLUMNS, options, strict=True):
            if value and value not in OPTION_ACTIONS:
                raise ValueError(f"line {n}: {col} holds {value!r}")
        rows.append(Row(tag, rec["name"], rec["in_std_iod"] == "Y", rec["basic"], options))
    return rows


def check_names(rows: list[Row]) -> list[str]:
    """Rows whose name is not the data dictionary's name of their tag."""
    from pydicom.datadict import DicomDictionary

    def norm(s: str) -> str:
        return re.sub(r"[^a-z0-9]", "", s.lower())

    bad = []
    for row in rows:
        m = _EXACT.match(row.tag)
        if not m:
            continue
        entry = DicomDictionary.get(int(m[1] + m[2], 16))
        name = NAME_SPELLINGS.get(row.name, row.name)
        if entry is None or norm(entry[2]).removesuffix("retired") != norm(name):
            bad.append(f"{row.tag} {row.name!r}: dictionary says {entry and entry[2]!r}")
    return bad


def _mask(tag: str) -> tuple[int, int]:
    digits = tag.replace(",", "")
    value = int(digits.replace("x", "0"), 16)
    mask = int("".join("0" if c == "x" else "F" for c in digits), 16)
    return value, mask


def generate() -> str:
    """The Rust source of the table."""
    rows = read_rows()
    bad = check_names(rows)
    if bad:
        raise ValueError("names differ from the data dictionary:\n" + "\n".join(bad))
    exact = sorted((r for r in rows if _EXACT.match(r.tag)), key=lambda r: r.tag)
    patterns = [r for r in rows if not _EXACT.match(r.tag)]

    def entry(row: Row, tag: str) -> str:
        opts = ", ".join(f"Some(Action::{OPTION_ACTIONS[o]})" if o else "None" for o in row.options)
        return (
            f"    Row {{ tag: {tag}, name: {rust_str(row.name)}, in_std_iod: "
            f"{'true' if row.in_std_iod else 'false'}, basic: Action::{BASIC_ACTIONS[row.basic]}, "
            f"options: [{opts}] }},"
        )

    out = [
        "// Generated by scripts/generate_deid_table.py from scripts/data/ps3.15_table_e1-1.tsv",
        "// (PS3.15 Table E.1-1). Do not edit; rerun the generator.",
        "",
        "use super::row::{Action, Row, TagMatch};",
        "",
        f"/// The {len(exact)} rows of Table E.1-1 naming one attribute, sorted by tag.",
        "#[rustfmt::skip]",
        "pub static EXACT: &[Row] = &[",
    ]
    for row in exact:
        out.append(entry(row, f"TagMatch::Exact(0x{row.tag.replace(',', '')})"))
    out += [
        "];",
        "",
        "/// The rows naming repeating groups and private attributes.",
        "#[rustfmt::skip]",
        "pub static PATTERNS: &[Row] = &[",
    ]
    for row in patterns:
        if row.tag == "gggg,eeee":
            out.append(entry(row, "TagMatch::Private"))
        else:
            value, mask = _mask(row.tag)
            out.append(entry(row, f"TagMatch::Mask {{ value: 0x{value:08X}, mask: 0x{mask:08X} }}"))
    out += ["];", ""]
    return "\n".join(out)


def main() -> int:
    """Write (or with ``--check`` verify) the generated table."""
    return run_generator(
        __doc__ or "", DEFAULT_OUTPUT, generate, lambda: f"{len(read_rows())} rows"
    )


if __name__ == "__main__":
    sys.exit(main())
