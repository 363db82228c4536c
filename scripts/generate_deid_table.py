"""Generate the PS3.15 de-identification tables of the Rust core (E.1-1, E.3.10-1, E.3.4).

Reads ``scripts/data/ps3.15_table_e1-1.tsv`` (the rows of PS3.15 Table E.1-1, "Application
Level Confidentiality Profile Attributes", extracted from the standard's text: the Basic
Profile action and every option column) and writes ``rust/rs_dicom/src/deid/table.rs``; reads
``scripts/data/ps3.15_table_e3.10-1.tsv`` (Table E.3.10-1, "Safe Private Attributes", which the
Retain Safe Private Option keeps) and writes ``rust/rs_dicom/src/deid/safe_private.rs``; reads
``scripts/data/ps3.15_e3.4_structured_content.tsv`` (the content items the Clean Structured
Content Option treats, see ``deid_content_table.py``) and writes
``rust/rs_dicom/src/deid/content_table.rs``.

The table is checked while it is read: every tag is a valid tag or one of the table's
patterns, every action one of the standard's codes (D, Z, X, K, C, U and the combinations
Z/D, X/Z, X/D, X/Z/D, X/Z/U*), option columns hold only the actions the standard uses in
them, and every attribute's name is the data dictionary's name of its tag (pydicom's
dictionary; the table spells some names its own way, listed in ``NAME_SPELLINGS``). The safe
private rows are checked the same way: an odd group, an element offset of two hex digits, a
creator, a known VR (or none), no row twice, and the VR the same as pydicom's private
dictionary's wherever that dictionary knows the attribute.

Usage::

    .venv/bin/python scripts/generate_deid_table.py [--check] [--output PATH]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import deid_content_table
from gen_common import (
    KNOWN_VRS,
    ROOT,
    generated_header,
    read_tsv,
    require_none,
    run_generator,
    rust_str,
)

SOURCE = ROOT / "scripts" / "data" / "ps3.15_table_e1-1.tsv"
DEFAULT_OUTPUT = ROOT / "rust" / "rs_dicom" / "src" / "deid" / "table.rs"
SAFE_SOURCE = ROOT / "scripts" / "data" / "ps3.15_table_e3.10-1.tsv"
SAFE_OUTPUT = ROOT / "rust" / "rs_dicom" / "src" / "deid" / "safe_private.rs"

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
    records = read_tsv(SOURCE, ["tag", "name", "in_std_iod", "basic", *OPTION_COLUMNS])
    rows = []
    seen = set()
    for n, rec in records:
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


@dataclass(frozen=True)
class SafeRow:
    """One row of Table E.3.10-1."""

    group: int
    element: int
    creator: str
    vr: str
    vm: str
    meaning: str


# Where the standard's table and pydicom's private dictionary disagree on the VR: (group,
# element offset, creator) → pydicom's VR. The standard's VR is the one generated.
VR_DIFFERENCES = {
    (0x7E01, 0x02, "HOLOGIC, Inc."): "LO",  # Codec Content Type: the table says SH
}

_VM = re.compile(r"^[0-9]+(-[0-9]+|-n)?$")


def read_safe_rows() -> list[SafeRow]:
    """The rows of the safe private table, checked (ValueError names the line)."""
    columns = ["group", "element", "creator", "vr", "vm", "meaning", "notes"]
    records = read_tsv(SAFE_SOURCE, columns)
    rows = []
    seen = set()
    for n, rec in records:
        if not re.fullmatch(r"[0-9A-F]{4}", rec["group"]) or int(rec["group"], 16) % 2 == 0:
            raise ValueError(f"line {n}: {rec['group']!r} is not an odd group in upper-case hex")
        if int(rec["group"], 16) <= 0x0007:
            raise ValueError(f"line {n}: groups 0001-0007 hold no private attributes")
        if not re.fullmatch(r"[0-9A-F]{2}", rec["element"]):
            raise ValueError(f"line {n}: the element offset {rec['element']!r} is not 2 hex digits")
        creator = rec["creator"]
        if not creator or creator != creator.strip() or len(creator) > 64:
            raise ValueError(f"line {n}: bad private creator {creator!r}")
        if rec["vr"] and rec["vr"] not in KNOWN_VRS:
            raise ValueError(f"line {n}: unknown VR {rec['vr']!r}")
        if not _VM.match(rec["vm"]):
            raise ValueError(f"line {n}: bad VM {rec['vm']!r}")
        row = SafeRow(
            int(rec["group"], 16),
            int(rec["element"], 16),
            creator,
            rec["vr"],
            rec["vm"],
            rec["meaning"],
        )
        key = (row.group, row.element, row.creator)
        if key in seen:
            raise ValueError(f"line {n}: ({rec['group']},xx{rec['element']}) {creator} twice")
        seen.add(key)
        rows.append(row)
    return rows


def check_private_vrs(rows: list[SafeRow]) -> list[str]:
    """Rows whose VR differs from pydicom's private dictionary (where it knows the tag)."""
    from pydicom.datadict import private_dictionaries

    bad = []
    for row in rows:
        entries = private_dictionaries.get(row.creator, {})
        key = f"{row.group:04X}xx{row.element:02X}"
        entry = entries.get(key) or entries.get(key.lower())
        known = VR_DIFFERENCES.get((row.group, row.element, row.creator))
        if entry is not None and row.vr and entry[0] not in (row.vr, known):
            bad.append(f"({key}) {row.creator}: the table says {row.vr}, pydicom {entry[0]}")
    return bad


def generate_safe() -> str:
    """The Rust source of the safe private table."""
    rows = read_safe_rows()
    require_none(check_private_vrs(rows), "VRs differ from pydicom's private dictionary")
    rows.sort(key=lambda r: (r.group, r.element, r.creator))
    source = "scripts/data/ps3.15_table_e3.10-1.tsv (PS3.15 Table E.3.10-1)"
    out = [
        *generated_header(source, ["use super::row::SafeRow;", "use crate::core::VR;"]),
        f"/// The {len(rows)} safe private attributes of Table E.3.10-1, sorted by group, element",
        "/// offset and creator.",
        "#[rustfmt::skip]",
        "pub static SAFE_PRIVATE: &[SafeRow] = &[",
    ]
    for r in rows:
        vr = f"Some(VR::{r.vr})" if r.vr else "None"
        out.append(
            f"    SafeRow {{ group: 0x{r.group:04X}, element: 0x{r.element:02X}, creator: "
            f"{rust_str(r.creator)}, vr: {vr}, vm: {rust_str(r.vm)}, meaning: "
            f"{rust_str(r.meaning)} }},"
        )
    out += ["];", ""]
    return "\n".join(out)


def main() -> int:
    """Write (or with ``--check`` verify) the generated tables."""
    return run_generator(
        __doc__ or "",
        DEFAULT_OUTPUT,
        generate,
        lambda: (
            f"{len(read_rows())} rows of Table E.1-1, {len(read_safe_rows())} of Table "
            f"E.3.10-1, {len(deid_content_table.read_rows())} of the E.3.4 content items"
        ),
        extra_outputs={
            SAFE_OUTPUT: generate_safe,
            deid_content_table.OUTPUT: deid_content_table.generate,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
