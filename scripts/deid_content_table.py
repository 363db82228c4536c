"""The Clean Structured Content Option's table (PS3.15 E.3.4) for ``generate_deid_table.py``.

Reads ``scripts/data/ps3.15_e3.4_structured_content.tsv`` ("Application Level Confidentiality
Profile Clean Structured Content Option Content Item Concept Name Codes"), checks it (known
value types and actions, no row twice, every code known to pydicom's SR concept dictionary with
the same meaning unless listed in ``MEANING_SPELLINGS``) and renders
``rust/rs_dicom/src/deid/content_table.rs``.

PS3.15 E.3.4 Note 3 expects de-identifiers to recognise the retired codes of a concept too: the
table's SNOMED CT rows are also generated under their SNOMED RT codes (designators SRT, SNM3
and 99SDM), taken from pydicom's SNOMED CT → RT mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from gen_common import ROOT, generated_header, read_tsv, require_none, rust_str

SOURCE = ROOT / "scripts" / "data" / "ps3.15_e3.4_structured_content.tsv"
OUTPUT = ROOT / "rust" / "rs_dicom" / "src" / "deid" / "content_table.rs"

# The option columns of this table, and where each sits among Table E.1-1's ten columns
# (`Opt::COLUMNS` in the core), so that one decision rule serves both tables.
COLUMNS = {
    "retain_uids": 1,
    "retain_device_identity": 2,
    "retain_institution_identity": 3,
    "retain_patient_characteristics": 4,
    "retain_long_full_dates": 5,
    "retain_long_modified_dates": 6,
    "clean_descriptors": 7,
}
BASIC_ACTIONS = {"D": "D", "X": "X", "X/D": "XD", "K": "K", "C": "C"}
OPTION_ACTIONS = {"K": "K", "C": "C"}
VALUE_TYPES = frozenset(
    "TEXT PNAME DATE TIME DATETIME UIDREF COMPOSITE IMAGE WAVEFORM NUM CODE CONTAINER".split()
)
# The designators SNOMED RT codes were sent with (PS3.15 E.3.4 Note 3).
SNOMED_RT_SCHEMES = ("SRT", "SNM3", "99SDM")
# Schemes pydicom's concept dictionary does not hold (checked for form only).
UNCHECKED_SCHEMES = frozenset({"NCDR [2.0b]", "NCIt", "UMLS"})
# Where the table names a concept differently from pydicom's dictionary (PS3.16): (scheme,
# code) → pydicom's meaning. SNOMED meanings in the dictionary carry their semantic tag.
MEANING_SPELLINGS = {
    ("SCT", "440252007"): "Administration of radiopharmaceutical (procedure)",
    ("SCT", "398164008"): "Anesthesia finish time (observable entity)",
    ("SCT", "398325003"): "Anesthesia start time (observable entity)",
    ("SCT", "371524004"): "Clinical report (record artifact)",
    ("SCT", "271921002"): "Electrocardiogram finding (observable entity)",
    ("SCT", "160476009"): "Social / personal history observable (observable entity)",
    ("SCT", "398201009"): "Start time (qualifier value)",
    ("SCT", "397898000"): "Stop time (qualifier value)",
    ("DCM", "112373"): "Other Derived Planning Data",
    ("DCM", "121124"): "Procedure Action Item ID",
    ("DCM", "113514"): "Radionuclide Vial Identifier",
    # LOINC codes pydicom's dictionary lacks: the table's meaning is taken as is.
    ("LN", "11955-2"): None,
    ("LN", "11951-1"): None,
    ("LN", "18118-0"): None,
    ("LN", "74711-3"): None,
}


@dataclass(frozen=True)
class ContentRow:
    """One row of the table."""

    meaning: str
    value: str
    scheme: str
    value_type: str
    basic: str
    options: tuple[str, ...]


def read_rows() -> list[ContentRow]:
    """The rows of the source table, checked (ValueError names the line)."""
    columns = [
        "code_meaning",
        "code_value",
        "coding_scheme",
        "value_type",
        "retired",
        "in_std_template",
        "basic",
        *COLUMNS,
    ]
    rows, seen = [], set()
    for n, rec in read_tsv(SOURCE, columns):
        if not re.fullmatch(r"[0-9A-Za-z.\-]{1,16}", rec["code_value"]):
            raise ValueError(f"line {n}: bad code value {rec['code_value']!r}")
        if rec["value_type"] not in VALUE_TYPES:
            raise ValueError(f"line {n}: unknown value type {rec['value_type']!r}")
        if rec["basic"] not in BASIC_ACTIONS:
            raise ValueError(f"line {n}: unknown action {rec['basic']!r}")
        if rec["retired"] not in ("Y", "N") or rec["in_std_template"] not in ("Y", "N"):
            raise ValueError(f"line {n}: Retd. and In Std. Tpl. must be Y or N")
        options = tuple(rec[c] for c in COLUMNS)
        for col, value in zip(COLUMNS, options, strict=True):
            if value and value not in OPTION_ACTIONS:
                raise ValueError(f"line {n}: {col} holds {value!r}")
        key = (rec["code_value"], rec["coding_scheme"], rec["value_type"])
        if key in seen:
            raise ValueError(f"line {n}: {key} listed twice")
        seen.add(key)
        rows.append(
            ContentRow(
                rec["code_meaning"],
                rec["code_value"],
                rec["coding_scheme"],
                rec["value_type"],
                rec["basic"],
                options,
            )
        )
    return rows


def check_codes(rows: list[ContentRow]) -> list[str]:
    """Rows whose code pydicom's SR concept dictionary does not know by the table's meaning."""
    from pydicom.sr._concepts_dict import concepts

    known = {
        (scheme, code): meaning
        for scheme, by_keyword in concepts.items()
        for codes in by_keyword.values()
        for code, (meaning, _cids) in codes.items()
    }

    def norm(s: str) -> str:
        return re.sub(r"[^a-z0-9]", "", s.lower())

    bad = []
    for row in rows:
        if row.scheme in UNCHECKED_SCHEMES:
            continue
        key = (row.scheme, row.value)
        expected = MEANING_SPELLINGS.get(key, row.meaning)
        if expected is None:
            continue
        if norm(known.get(key, "")) != norm(expected):
            bad.append(f"{key} {row.meaning!r}: pydicom says {known.get(key)!r}")
    return bad


def retired_aliases(rows: list[ContentRow]) -> list[ContentRow]:
    """The SNOMED CT rows again under their SNOMED RT codes (ValueError if pydicom's mapping
    lacks one)."""
    from pydicom.sr._snomed_dict import mapping

    out = []
    for row in rows:
        if row.scheme != "SCT":
            continue
        rt = mapping["SCT"].get(row.value)
        if rt is None:
            raise ValueError(f"no SNOMED RT code for SCT {row.value} ({row.meaning})")
        for scheme in SNOMED_RT_SCHEMES:
            out.append(replace(row, value=rt, scheme=scheme))
    return out


def generate() -> str:
    """The Rust source of the table."""
    rows = read_rows()
    require_none(check_codes(rows), "codes differ from pydicom's concept dictionary")
    rows += retired_aliases(rows)
    rows.sort(key=lambda r: (r.value, r.scheme, r.value_type))
    source = "scripts/data/ps3.15_e3.4_structured_content.tsv (PS3.15 E.3.4)"
    out = [
        *generated_header(source, ["use super::row::{Action, ContentRow};"]),
        f"/// The {len(rows)} content items of the table (its SNOMED CT rows also under their",
        "/// retired SNOMED RT codes), sorted by code value, scheme and value type.",
        "#[rustfmt::skip]",
        "pub static CONTENT_ITEMS: &[ContentRow] = &[",
    ]
    for r in rows:
        cols = ["None"] * 10
        for (name, at), value in zip(COLUMNS.items(), r.options, strict=True):
            del name
            if value:
                cols[at] = f"Some(Action::{OPTION_ACTIONS[value]})"
        out.append(
            f"    ContentRow {{ value: {rust_str(r.value)}, scheme: {rust_str(r.scheme)}, "
            f"value_type: {rust_str(r.value_type)}, meaning: {rust_str(r.meaning)}, "
            f"basic: Action::{BASIC_ACTIONS[r.basic]}, options: [{', '.join(cols)}] }},"
        )
    out += ["];", ""]
    return "\n".join(out)
