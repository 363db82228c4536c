#!/usr/bin/env python3
"""Generate the Specific Character Set test vectors in ``rust/rs_dicom/tests/data/charset/``.

pydicom is the oracle: every expected string is what ``pydicom.charset.decode_bytes`` (the
first stage of pydicom 3's ``convert_text``/``convert_PN``) returns for the raw value bytes, or
``bytes.decode("iso8859")`` for VRs that the character set does not affect. Two files are written:

``vectors.tsv``
    One vector per line: ``kind, charset, vr, value, expected, note`` with the (0008,0005)
    value, the element value and the expected UTF-8 string as hex. ``kind`` is

    * ``file``: every SH/LO/UC/ST/LT/UT/PN value of the standard's Annex H–K example files that
      pydicom ships in ``pydicom/data/charset_files`` (items inherit their parent's set);
    * ``hand``: hand-written vectors (PS3.5 Annex H–K examples, edge bytes, code extensions,
      delimiters, term spellings) whose expected string is pydicom's;
    * ``random``: seeded random well-formed ISO 2022 values built from valid characters;
    * ``deviation``: hand-written vectors where rs_dicom deliberately differs from pydicom; the
      expected string is rs_dicom's and the note gives pydicom's result and the reason.

``tables.tsv``
    Exhaustive code tables from Python's codecs (pydicom's decoders):

    * ``sb NAME TERM v80 ... vFF``: the code points of bytes 0x80–0xFF (FFFD: invalid);
    * ``db NAME ROW BITMAP HASH``: for one row of a double-byte table, the positions Python
      decodes (a bitmap, bit i of the big-endian hex number = position i) and an FNV-1a 64 hash
      of ``(position u32 LE, code point u32 LE)`` over those positions. rs_dicom must decode all
      of them identically; where Python fails rs_dicom may be more lenient.

Usage::

    python3 -m venv /tmp/csvenv && /tmp/csvenv/bin/pip install pydicom
    /tmp/csvenv/bin/python scripts/generate_charset_vectors.py [--check]

The output is deterministic (fixed seeds, sorted inputs); it depends only on pydicom and
Python's codecs.
"""

from __future__ import annotations

import argparse
import random
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pydicom
from charset_cases import GB18030_MODERN, JIS_RET, JIS_ROMAN, deviation_cases, hand_cases
from pydicom.charset import convert_encodings, decode_bytes, default_encoding
from pydicom.valuerep import CUSTOMIZABLE_CHARSET_VR, TEXT_VR_DELIMS
from pydicom.values import convert_string

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "rust" / "rs_dicom" / "tests" / "data" / "charset"
CHARSET_FILES = Path(pydicom.__file__).parent / "data" / "charset_files"
TEXT_VRS = ("SH", "LO", "UC", "ST", "LT", "UT", "PN")
ESC = b"\x1b"
REPLACEMENT = "\ufffd"


# --------------------------------------------------------------------------------------------
# The oracle
# --------------------------------------------------------------------------------------------


def terms_of(charset: bytes) -> list[str]:
    """The (0008,0005) terms as pydicom parses the raw CS value."""
    if not charset:
        return []
    value = convert_string(charset, True)
    return [value] if isinstance(value, str) else list(value)


def pydicom_decode(charset: bytes, vr: str, value: bytes) -> str:
    """What pydicom 3 makes of a whole value (before splitting at backslashes)."""
    if vr not in CUSTOMIZABLE_CHARSET_VR:
        return value.decode(default_encoding)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        encodings = convert_encodings(terms_of(charset) or ["ISO_IR 6"])
        return decode_bytes(value, encodings, TEXT_VR_DELIMS)


def line(kind: str, charset: bytes, vr: str, value: bytes, expected: str, note: str) -> str:
    note = note.replace("\t", " ").replace("\n", " ")
    fields = [kind, charset.hex(), vr, value.hex(), expected.encode("utf-8").hex(), note]
    return "\t".join(fields)


# --------------------------------------------------------------------------------------------
# Vectors from the example files
# --------------------------------------------------------------------------------------------


def file_vectors() -> Iterator[str]:
    for path in sorted(CHARSET_FILES.glob("*.dcm")):
        ds = pydicom.dcmread(path)
        yield from dataset_vectors(ds, b"", path.name)


def dataset_vectors(ds: pydicom.Dataset, inherited: bytes, where: str) -> Iterator[str]:
    charset = inherited
    if "SpecificCharacterSet" in ds:  # already converted by dcmread: rebuild the raw value
        terms = ds.SpecificCharacterSet
        terms = [terms] if isinstance(terms, str) else list(terms)
        charset = "\\".join(terms).encode("ascii")
    for tag in list(ds.keys()):
        raw = ds.get_item(tag)  # before ds[tag], which converts the raw element
        value = raw.value if isinstance(raw.value, bytes) else None
        elem = ds[tag]
        if elem.VR == "SQ":
            for n, item in enumerate(elem.value):
                yield from dataset_vectors(item, charset, f"{where} {elem.tag} item {n}")
            continue
        if elem.VR not in TEXT_VRS or not value:
            continue
        expected = pydicom_decode(charset, elem.VR, value)
        check_against_element(elem, expected)
        yield line("file", charset, elem.VR, value, expected, f"{where} {elem.tag} {expected!r}")


def check_against_element(elem: pydicom.DataElement, expected: str) -> None:
    """The stage-1 string, split and stripped, must be pydicom's element value."""
    values = elem.value if elem.VM > 1 else [elem.value]
    got = "\\".join(str(v) for v in values)
    want = "\\".join(v.rstrip("\0 ") for v in expected.rstrip("\0 ").split("\\"))
    if elem.VR == "PN":  # PersonName drops empty trailing component groups
        want = "\\".join(v.rstrip("=") for v in want.split("\\"))
    if got != want:
        raise SystemExit(f"{elem.tag}: element value {got!r} != stage-1 decode {want!r}")


# --------------------------------------------------------------------------------------------
# Hand-written vectors
# --------------------------------------------------------------------------------------------


def hand_vectors() -> Iterator[str]:
    for charset, vr, value, expected, note in hand_cases():
        got = pydicom_decode(charset, vr, value)
        if expected is not None and expected != got:
            raise SystemExit(f"hand vector {note!r}: pydicom gives {got!r}, not {expected!r}")
        yield line("hand", charset, vr, value, got, f"{note}: {got!r}")
    for charset, vr, value, expected, note in deviation_cases():
        got = pydicom_decode(charset, vr, value)
        if expected is None:
            yield line("hand", charset, vr, value, got, f"{note}: {got!r}")
            continue
        if expected == got:
            raise SystemExit(f"deviation {note!r} is no deviation: pydicom gives {got!r}")
        yield line("deviation", charset, vr, value, expected, f"{note}; pydicom: {got!r}")


# --------------------------------------------------------------------------------------------
# Random well-formed ISO 2022 values
# --------------------------------------------------------------------------------------------


def valid_chars(decode: Callable[[bytes], str], codes: Iterable[bytes]) -> list[bytes]:
    out = []
    for code in codes:
        try:
            text = decode(code)
        except UnicodeDecodeError:
            continue
        if len(text) == 1 and text != REPLACEMENT:
            out.append(code)
    return out


def pairs(lo: int, hi: int) -> Iterator[bytes]:
    for a in range(lo, hi + 1):
        for b in range(lo, hi + 1):
            yield bytes([a, b])


SB_SETS = {
    100: (b"A", "latin_1"),
    101: (b"B", "iso8859_2"),
    109: (b"C", "iso8859_3"),
    110: (b"D", "iso8859_4"),
    126: (b"F", "iso8859_7"),
    127: (b"G", "iso8859_6"),
    138: (b"H", "iso8859_8"),
    144: (b"L", "iso8859_5"),
    148: (b"M", "iso8859_9"),
    166: (b"T", "tis_620"),
}


class Alphabet:
    """Valid characters (as bytes) of every set, drawn from Python's codecs."""

    def __init__(self) -> None:
        high = [bytes([b]) for b in range(0xA0, 0x100)]
        self.single = {
            ir: valid_chars(lambda c, codec=codec: c.decode(codec), high)
            for ir, (_, codec) in SB_SETS.items()
        }
        self.katakana = [bytes([b]) for b in range(0xA1, 0xE0)]
        self.jis0208 = valid_chars(
            lambda c: (ESC + b"$B" + c).decode("iso2022_jp"), pairs(0x21, 0x7E)
        )
        self.jis0212 = valid_chars(
            lambda c: (ESC + b"$(D" + c).decode("iso2022_jp_2"), pairs(0x21, 0x7E)
        )
        self.ksx1001 = valid_chars(lambda c: c.decode("euc_kr"), pairs(0xA1, 0xFE))


def random_value(rng: random.Random, alpha: Alphabet, terms: list[str], vr: str) -> bytes:
    """A conforming value: every non-initial run starts with its escape sequence, JIS runs
    end with a return to ASCII, and initial-set high bytes appear only while no escape
    sequence has been used since the start or the last control character."""
    irs = [int(t.rsplit(" ", 1)[1]) for t in terms if t]
    first = irs[0] if terms[0] else 6
    ret = JIS_ROMAN if first == 13 else JIS_RET
    delims = ["^", "=", "\\"] if vr == "PN" else ["\\", "\r\n", "\t", "\r", "\n", "\x0c"]
    if vr in ("LT", "ST", "UT"):
        delims.remove("\\")
    if vr in ("SH", "LO"):
        delims = ["\\"]
    out = bytearray()
    escaped = False
    for _ in range(rng.randint(1, 7)):
        kind = rng.choice(["ascii", "delim", "ext", "ext", "initial"])
        if kind == "ascii":
            out += bytes(rng.choice(b"abcXYZ019 .-") for _ in range(rng.randint(1, 4)))
        elif kind == "delim":
            d = rng.choice(delims)
            out += d.encode()
            if d[0] in "\r\n\t\x0c":
                escaped = False
        elif kind == "initial":
            if escaped:
                continue
            if first in SB_SETS or first == 6:
                out += b"".join(rng.choices(alpha.single[100 if first == 6 else first], k=3))
            elif first == 13:
                out += b"".join(rng.choices(alpha.katakana, k=3))
            elif first == 149:
                out += b"".join(rng.choices(alpha.ksx1001, k=2))
        else:
            ir = rng.choice([i for i in irs if i != 6])
            escaped = True
            if ir in SB_SETS:
                out += ESC + b"-" + SB_SETS[ir][0]
                out += b"".join(rng.choices(alpha.single[ir], k=rng.randint(1, 4)))
            elif ir == 13:
                out += ESC + b")I" + b"".join(rng.choices(alpha.katakana, k=3))
            elif ir == 87:
                out += ESC + b"$B" + b"".join(rng.choices(alpha.jis0208, k=3)) + ret
            elif ir == 159:
                out += ESC + b"$(D" + b"".join(rng.choices(alpha.jis0212, k=3)) + ret
            elif ir == 149:
                out += ESC + b"$)C" + b"".join(rng.choices(alpha.ksx1001, k=3))
    return bytes(out)


RANDOM_CONFIGS = [
    ["", "ISO 2022 IR 87"],
    ["ISO 2022 IR 6", "ISO 2022 IR 87", "ISO 2022 IR 159"],
    ["ISO 2022 IR 13", "ISO 2022 IR 87", "ISO 2022 IR 159"],
    ["", "ISO 2022 IR 149"],
    ["ISO 2022 IR 149", "ISO 2022 IR 87"],
    ["ISO 2022 IR 100", "ISO 2022 IR 101", "ISO 2022 IR 109", "ISO 2022 IR 110"],
    ["ISO 2022 IR 144", "ISO 2022 IR 126", "ISO 2022 IR 127", "ISO 2022 IR 138"],
    ["ISO 2022 IR 148", "ISO 2022 IR 166", "ISO 2022 IR 100", "ISO 2022 IR 13"],
    ["ISO 2022 IR 166", "ISO 2022 IR 149", "ISO 2022 IR 144"],
]


def random_vectors(count_per_config: int = 40) -> Iterator[str]:
    alpha = Alphabet()
    rng = random.Random(20240614)
    for terms in RANDOM_CONFIGS:
        charset = "\\".join(terms).encode()
        for _ in range(count_per_config):
            vr = rng.choice(["PN", "LO", "SH", "LT", "ST", "UT", "UC"])
            value = random_value(rng, alpha, terms, vr)
            expected = pydicom_decode(charset, vr, value)
            if REPLACEMENT in expected or "\x1b" in expected:
                raise SystemExit(f"random vector not well-formed: {value!r} -> {expected!r}")
            yield line("random", charset, vr, value, expected, repr(expected))


# --------------------------------------------------------------------------------------------
# Code tables
# --------------------------------------------------------------------------------------------

SB_TABLES = [
    ("default", "", "iso8859"),
    ("ir100", "ISO_IR 100", "latin_1"),
    ("ir101", "ISO_IR 101", "iso8859_2"),
    ("ir109", "ISO_IR 109", "iso8859_3"),
    ("ir110", "ISO_IR 110", "iso8859_4"),
    ("ir126", "ISO_IR 126", "iso_ir_126"),
    ("ir127", "ISO_IR 127", "iso_ir_127"),
    ("ir138", "ISO_IR 138", "iso_ir_138"),
    ("ir144", "ISO_IR 144", "iso_ir_144"),
    ("ir148", "ISO_IR 148", "iso_ir_148"),
    ("ir166", "ISO_IR 166", "iso_ir_166"),
    # pydicom does not know IR 203; Python's ISO 8859-15 codec is the oracle.
    ("ir203", "ISO_IR 203", "iso8859_15"),
    ("ir13", "ISO_IR 13", "shift_jis"),
]


def sb_tables() -> Iterator[str]:
    for name, term, codec in SB_TABLES:
        chars = [bytes([b]).decode(codec, errors="replace") for b in range(0x80, 0x100)]
        yield "\t".join(["sb", name, term, *(f"{ord(c):04X}" for c in chars)])


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def row_line(name: str, row: str, decoded: list[str | None]) -> str:
    bits = 0
    data = bytearray()
    for pos, char in enumerate(decoded):
        if char is None:
            continue
        bits |= 1 << pos
        data += pos.to_bytes(4, "little") + ord(char).to_bytes(4, "little")
    width = (len(decoded) + 3) // 4
    return "\t".join(["db", name, row, f"{bits:0{width}X}", f"{fnv1a64(bytes(data)):016X}"])


def strict(codec: str, data: bytes, modern: dict[bytes, str] | None = None) -> str | None:
    if modern and data in modern:
        return modern[data]
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    return text if len(text) == 1 and text != REPLACEMENT else None


def jis_code(first: int, second: int, designation: bytes, codec: str) -> str | None:
    return strict(codec, ESC + designation + bytes([first, second]))


GB_TRAILS = [t for t in range(0x40, 0xFF) if t != 0x7F]
SJIS_LEADS = [*range(0x81, 0xA0), *range(0xE0, 0xFD)]
SJIS_TRAILS = [t for t in range(0x40, 0xFD) if t != 0x7F]


def db_tables() -> Iterator[str]:
    rows = range(0x21, 0x7F)
    for r in rows:
        yield row_line("jis0208", f"{r:02X}", [jis_code(r, c, b"$B", "iso2022_jp") for c in rows])
    for r in rows:
        yield row_line(
            "jis0212", f"{r:02X}", [jis_code(r, c, b"$(D", "iso2022_jp_2") for c in rows]
        )
    for r in rows:
        yield row_line(
            "ksx1001", f"{r:02X}", [strict("euc_kr", bytes([r | 0x80, c | 0x80])) for c in rows]
        )
    for r in rows:
        yield row_line(
            "gb2312", f"{r:02X}", [strict("gb2312", bytes([r | 0x80, c | 0x80])) for c in rows]
        )
    for lead in SJIS_LEADS:
        yield row_line(
            "sjis", f"{lead:02X}", [strict("shift_jis", bytes([lead, t])) for t in SJIS_TRAILS]
        )
    for lead in range(0x81, 0xFF):
        yield row_line("gbk", f"{lead:02X}", [strict("gbk", bytes([lead, t])) for t in GB_TRAILS])
    for lead in range(0x81, 0xFF):
        decoded = [strict("gb18030", bytes([lead, t]), GB18030_MODERN) for t in GB_TRAILS]
        yield row_line("gb18030", f"{lead:02X}", decoded)
    for b1 in range(0x81, 0x85):
        for b2 in range(0x30, 0x3A):
            decoded = [
                strict("gb18030", bytes([b1, b2, b3, b4]), GB18030_MODERN)
                for b3 in range(0x81, 0xFF)
                for b4 in range(0x30, 0x3A)
            ]
            yield row_line("gb18030x4", f"{b1:02X}{b2:02X}", decoded)


# --------------------------------------------------------------------------------------------


def header(what: str) -> list[str]:
    return [
        f"# {what}",
        f"# Generated by scripts/generate_charset_vectors.py from pydicom {pydicom.__version__}"
        f" and Python {sys.version_info.major}.{sys.version_info.minor} codecs. Do not edit.",
    ]


def outputs() -> dict[Path, str]:
    vectors = header("kind\tcharset hex\tVR\tvalue hex\texpected UTF-8 hex\tnote")
    vectors += [*file_vectors(), *hand_vectors(), *random_vectors()]
    tables = header("sb name term 128 code points | db name row python-valid-bitmap fnv1a64")
    tables += [*sb_tables(), *db_tables()]
    return {
        OUT_DIR / "vectors.tsv": "\n".join(vectors) + "\n",
        OUT_DIR / "tables.tsv": "\n".join(tables) + "\n",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args()
    stale = []
    for path, text in outputs().items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    if stale:
        print("stale: " + ", ".join(str(p.relative_to(ROOT)) for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
