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

JIS_RET = ESC + b"(B"
JIS_ROMAN = ESC + b"(J"


def jis(text: str) -> bytes:
    """``text`` in JIS X 0208 between ESC $ B and ESC ( B."""
    return text.encode("iso2022_jp")


def euc_kr_g1(text: str) -> bytes:
    return ESC + b"$)C" + text.encode("euc_kr")


def gb2312_g1(text: str) -> bytes:
    return ESC + b"$)A" + text.encode("gb2312")


# (charset, vr, value, expected or None for "pydicom's", note)
Hand = tuple[bytes, str, bytes, str | None, str]


def hand_cases() -> list[Hand]:
    cases: list[Hand] = []
    add = cases.append

    # Default repertoire: Latin-1 for everything, no value or ISO_IR 6.
    add((b"", "LO", bytes(range(0x20, 0x100)), None, "no value: Latin-1, all bytes"))
    add((b"ISO_IR 6", "PN", b"M\xfcller^J\x80\x9f\xa0", None, "ISO_IR 6 high bytes: Latin-1"))
    add((b"\\ISO 2022 IR 87", "SH", b"\xe9t\xe9", None, "empty first term: Latin-1"))
    add((b"ISO_IR 192", "CS", b"\xc3\xa9", None, "CS ignores the character set: Latin-1"))
    add((b"ISO_IR 144", "DA", b"2020\xe9", None, "DA ignores the character set"))
    add((b"ISO_IR 192", "AE", b"AE\x1b$B", None, "AE keeps ESC literally"))
    # Single-byte sets (PS3.5 Annex examples are in the files; these add more letters).
    add((b"ISO_IR 100", "PN", b"Buc^J\xe9r\xf4me\xff\xa4", None, "IR 100 is true Latin-1"))
    add((b"ISO_IR 100", "LT", b"\x80\x85\x9f", None, "IR 100 C1 controls (not cp1252)"))
    add((b"ISO_IR 101", "PN", "Dvořák^Antonín".encode("iso8859_2"), None, "IR 101 Czech"))
    add((b"ISO_IR 109", "PN", "Ġużeppi^Ħabib".encode("iso8859_3"), None, "IR 109 Maltese"))
    add((b"ISO_IR 109", "LO", b"\xa5\xae\xbe", None, "IR 109 unassigned bytes"))
    add((b"ISO_IR 110", "PN", "Ķēniņš^Jānis".encode("iso8859_4"), None, "IR 110 Latvian"))
    add((b"ISO_IR 144", "PN", "Чайковский^Пётр".encode("iso8859_5"), None, "IR 144 Russian"))
    add((b"ISO_IR 127", "PN", "قباني^نزار".encode("iso8859_6"), None, "IR 127 Arabic"))
    add((b"ISO_IR 127", "LO", b"\xa1\xff", None, "IR 127 unassigned bytes"))
    add((b"ISO_IR 126", "PN", "Διονυσιος^Ευρώ".encode("iso8859_7"), None, "IR 126 Greek"))
    add((b"ISO_IR 126", "LO", b"\xa4\xa5\xaa\xae\xd2\xff", None, "IR 126 2003 additions/holes"))
    add((b"ISO_IR 138", "PN", "שרון^דבורה".encode("iso8859_8"), None, "IR 138 Hebrew"))
    add((b"ISO_IR 148", "PN", "Şükrü^Gündoğdu".encode("iso8859_9"), None, "IR 148 Turkish"))
    add((b"ISO_IR 148", "LO", b"\x80\x8a\x9f\xd0\xdd\xde\xf0\xfd\xfe", None, "IR 148 not cp1254"))
    add((b"ISO_IR 166", "PN", "สมชาย^ใจดี".encode("tis_620"), None, "IR 166 Thai"))
    add((b"ISO_IR 166", "LO", b"\x80\x85\x91\xa0\xdb\xfc", None, "IR 166 not cp874"))
    add((b"ISO_IR 13", "PN", b"\xd4\xcf\xc0\xde^\xc0\xdb\xb3", None, "IR 13 katakana (H.3.2)"))
    add((b"ISO_IR 13", "LO", b"a\\b~c\xa1\xdf\x80\xa0\xfd", None, "IR 13: \\ and ~ stay ASCII"))
    add((b"ISO_IR 13", "LO", b"\x8eR\x81\\\x81\x60x", None, "IR 13 Shift_JIS pairs as pydicom"))
    add((b"ISO_IR 13", "LO", b"\x81\xb1\x81", None, "IR 13 bad pair: lead byte only"))
    # Stand-alone multi-byte sets (Annex J examples).
    x1 = "Wang^XiaoDong=王^小東=".encode()
    add((b"ISO_IR 192", "PN", x1, None, "J.1 UTF-8"))
    add((b"ISO_IR 192", "LT", "Ünïcödé 😀 ≠ ∞\r\n".encode(), None, "UTF-8 4-byte"))
    for bad in (b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"a\xe6\x97b", b"\xff\xfe"):
        add((b"ISO_IR 192", "LO", bad, None, f"UTF-8 invalid {bad!r}"))
    add((b"ISO_IR 192\\ISO 2022 IR 87", "LO", "山".encode(), None, "stand-alone ignores rest"))
    add((b"GB18030", "PN", "Wang^XiaoDong=王^小东=".encode("gb18030"), None, "J.2 GB18030"))
    j3 = "1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n"
    add((b"GB18030", "LT", j3.encode("gb18030"), None, "J.3 GB18030 long text"))
    add((b"GB18030", "LO", "€ 𠀀 é".encode("gb18030"), None, "GB18030 € and 4-byte"))
    for four in (b"\x810\x810", b"\x841\xa49", b"\x900\x810", b"\xe32\x9a5", b"\x815\xf4\x36"):
        add((b"GB18030", "LO", four, None, f"GB18030 4-byte {four!r}"))
    add((b"GB18030", "LO", b"a\xff\x81b\x81", None, "GB18030 invalid bytes"))
    add((b"GB18030", "LO", "瑩\\甄".encode("gb18030"), None, "GB18030: 0x5C trail stays"))
    add((b"GBK", "PN", "Wang^XiaoDong=王^小东=".encode("gbk"), None, "GBK"))
    add((b"GBK", "LO", "丂丄乗癩".encode("gbk"), None, "GBK beyond GB 2312"))
    # ISO 2022 code extensions: Annex H (Japanese).
    h31 = b"Yamada^Tarou=" + jis("山田") + b"^" + jis("太郎") + b"=" + jis("やまだ")
    h31 += b"^" + jis("たろう")
    add((b"\\ISO 2022 IR 87", "PN", h31, None, "H.3.1 IR 6 + IR 87"))
    h32 = b"\xd4\xcf\xc0\xde^\xc0\xdb\xb3=" + jis("山田")[:-3] + JIS_ROMAN + b"^"
    h32 += jis("太郎")[:-3] + JIS_ROMAN + b"=" + jis("やまだ")[:-3] + JIS_ROMAN + b"^"
    h32 += jis("たろう")[:-3] + JIS_ROMAN
    add((b"ISO 2022 IR 13\\ISO 2022 IR 87", "PN", h32, None, "H.3.2 IR 13 + IR 87"))
    add(
        (
            b"ISO 2022 IR 6\\ISO 2022 IR 87",
            "LT",
            jis("東京") + b"\r\n" + jis("大阪"),
            None,
            "IR 87 lines",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 87",
            "LO",
            ESC + b'$B!A!B!]!q!r"L' + JIS_RET,
            None,
            "IR 87 JIS0208.TXT mappings",
        )
    )
    ir159 = ESC + b"$(D" + "丂丄乚".encode("iso2022_jp_2")[4:-3] + JIS_RET
    add((b"\\ISO 2022 IR 87\\ISO 2022 IR 159", "PN", b"Ab^" + ir159, None, "IR 159 JIS X 0212"))
    add((b"\\ISO 2022 IR 159", "LO", ESC + b'$(D"7' + JIS_RET, None, "IR 159 0x2237 tilde"))
    add(
        (
            b"ISO 2022 IR 13\\ISO 2022 IR 87",
            "LO",
            b"\xb1" + ESC + b")I\xb2",
            None,
            "ESC ) I designates IR 13",
        )
    )
    # Annex I (Korean).
    i2 = b"Hong^Gildong=" + euc_kr_g1("洪") + b"^" + euc_kr_g1("吉洞") + b"=" + euc_kr_g1("홍")
    i2 += b"^" + euc_kr_g1("길동")
    add((b"\\ISO 2022 IR 149", "PN", i2, None, "I.2 IR 6 + IR 149"))
    add(
        (
            b"\\ISO 2022 IR 149",
            "LT",
            euc_kr_g1("첫번째 줄") + b"\r\n" + euc_kr_g1("둘째"),
            None,
            "IR 149 lines",
        )
    )
    add((b"ISO 2022 IR 149", "PN", "김희중".encode("euc_kr"), None, "IR 149 first, no ESC"))
    # Code extensions of every single-byte set.
    for ir, final, codec, text in (
        (100, b"A", "latin_1", "Jérôme"),
        (101, b"B", "iso8859_2", "Dvořák"),
        (109, b"C", "iso8859_3", "Ġużeppi"),
        (110, b"D", "iso8859_4", "Ķēniņš"),
        (126, b"F", "iso8859_7", "Διονυσιος"),
        (127, b"G", "iso8859_6", "قباني"),
        (138, b"H", "iso8859_8", "שרון"),
        (144, b"L", "iso8859_5", "Люкceмбypг"),
        (148, b"M", "iso8859_9", "Şükrü"),
        (166, b"T", "tis_620", "สมชาย"),
    ):
        cs = f"ISO 2022 IR 6\\ISO 2022 IR {ir}".encode()
        value = b"abc " + ESC + b"-" + final + text.encode(codec) + b" xyz"
        add((cs, "LO", value, None, f"ESC - {final.decode()} designates IR {ir}"))
    add(
        (
            b"ISO 2022 IR 100\\ISO 2022 IR 144",
            "LT",
            "Zürich ".encode("latin_1")
            + ESC
            + b"-L"
            + "Москва".encode("iso8859_5")
            + "\r\nZürich".encode("latin_1"),
            None,
            "IR 144 reset to IR 100 at CR LF",
        )
    )
    add(
        (
            b"ISO 2022 IR 126\\ISO 2022 IR 100",
            "LT",
            ESC + b"-A" + "é\té".encode("latin_1"),
            None,
            "reset at TAB",
        )
    )
    add(
        (
            b"ISO 2022 IR 6\\ISO 2022 IR 100",
            "LO",
            b"a" + ESC + b"%Gb\xe9",
            None,
            "unknown escape sequence kept literally",
        )
    )
    add((b"ISO 2022 IR 6\\ISO 2022 IR 100", "LO", b"a\xe9" + ESC, None, "ESC at the end"))
    # Term spellings.
    for spelling in (b"ISO IR 100", b"ISO-IR 100", b"ISO_IR_100", b" ISO_IR 100 \x00"):
        add((spelling, "PN", b"Buc^J\xe9r\xf4me", None, f"term spelled {spelling!r}"))
    add((b"ISO_2022_IR_144", "PN", "Люкceмбypг".encode("iso8859_5"), None, "ISO_2022_IR_144"))
    add((b"ISO_IR 999", "PN", b"Buc^J\xe9r\xf4me", None, "unknown term: default"))
    add(
        (
            b"ISO_IR 144\\ISO_IR 999",
            "PN",
            "Люк".encode("iso8859_5"),
            None,
            "unknown second term ignored",
        )
    )
    add((b"utf-8", "LO", "Grüße".encode(), None, "Python codec name utf-8"))
    return cases


def deviation_cases() -> list[Hand]:
    """Vectors where rs_dicom deliberately differs from pydicom (expected is rs_dicom's)."""
    cases: list[Hand] = []
    add = cases.append
    # IR 58: Python's gb2312 codec does not know the escape sequence, so pydicom keeps it.
    k1 = b"Zhang^XiaoDong=" + gb2312_g1("张") + b"^" + gb2312_g1("小东") + b"="
    add(
        (
            b"\\ISO 2022 IR 58",
            "PN",
            k1,
            "Zhang^XiaoDong=张^小东=",
            "K.1 IR 58: pydicom leaves ESC $ ) A in the text",
        )
    )
    k2 = b"1." + gb2312_g1("第一行文字。") + b"\r\n2." + gb2312_g1("第二行文字。") + b"\r\n"
    add(
        (
            b"\\ISO 2022 IR 58",
            "LT",
            k2,
            "1.第一行文字。\r\n2.第二行文字。\r\n",
            "K.2 IR 58 long text: pydicom leaves ESC $ ) A in the text",
        )
    )
    add((b"ISO 2022 IR 58", "LO", "中文".encode("gb2312"), None, "IR 58 first term, no ESC"))
    add(
        (
            b"\\ISO 2022 IR 58",
            "LO",
            ESC + b"$)A\xa1\xa4\xa1\xaa",
            "\u30fb\u2015",
            "IR 58 A1A4/A1AA use GB2312.TXT (pydicom leaves the ESC)",
        )
    )
    # IR 203 is unknown to pydicom (it decodes Latin-1).
    add(
        (
            b"ISO_IR 203",
            "LO",
            b"\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe\xe9",
            "€ŠšŽžŒœŸé",
            "IR 203 is ISO 8859-15 (pydicom: unknown term, Latin-1)",
        )
    )
    add(
        (
            b"ISO 2022 IR 6\\ISO 2022 IR 203",
            "LO",
            b"x" + ESC + b"-b\xa4",
            "x€",
            "ESC - b designates IR 203 (pydicom: unknown escape, literal)",
        )
    )
    # PS3.5 6.1.2.5.3 resets at ^ = \ for PN and at \ for multi-valued VRs; pydicom 3 decodes the
    # whole value with only CR LF FF TAB as delimiters.
    add(
        (
            b"\\ISO 2022 IR 149",
            "PN",
            euc_kr_g1("홍") + b"^\xb1\xe6",
            "홍^±æ",
            "reset at ^: G1 back to the initial set (pydicom keeps KS X 1001)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 149",
            "PN",
            euc_kr_g1("홍") + b"=\xb1\xe6",
            "홍=±æ",
            "reset at = (pydicom keeps KS X 1001)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 149",
            "LO",
            euc_kr_g1("홍") + b"\\\xb1\xe6",
            "홍\\±æ",
            "reset at backslash (pydicom keeps KS X 1001)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 149",
            "LT",
            euc_kr_g1("홍") + b"\\\xb1\xe6",
            None,
            "LT: backslash is no delimiter (same as pydicom)",
        )
    )
    # Controls reset a two-byte G0 too; Python's iso2022_jp keeps JIS X 0208 across lines.
    add(
        (
            b"\\ISO 2022 IR 87",
            "LT",
            ESC + b"$B;3\r\n;3",
            "山\r\n;3",
            "CR LF end a JIS X 0208 run (pydicom: still JIS X 0208)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 87",
            "PN",
            ESC + b"$B;3ED^" + ESC + b"$BB@O:" + JIS_RET,
            "山田^太郎",
            "unpaired ^ in JIS X 0208 reads as ASCII (pydicom: run re-read as Latin-1)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 87",
            "LO",
            ESC + b"$B;3 ED" + JIS_RET,
            "山 田",
            "SPACE inside JIS X 0208 is SPACE (pydicom: run re-read as Latin-1)",
        )
    )
    # ISO 2022: ESC ( B changes G0 only, the IR 13 katakana stay in G1.
    add(
        (
            b"ISO 2022 IR 13\\ISO 2022 IR 87",
            "LO",
            jis("山") + b"\xb1",
            "山ｱ",
            "ESC ( B keeps G1 IR 13 (pydicom: Latin-1 after ESC ( B)",
        )
    )
    # Escapes for sets that were not declared are honoured (pydicom keeps them literally).
    add(
        (
            b"ISO_IR 100",
            "LO",
            b"a" + jis("山"),
            "a山",
            "undeclared ESC $ B honoured (pydicom: literal)",
        )
    )
    add((b"", "LO", ESC + b"-L\xbb", "Л", "no value, ESC - L honoured (pydicom: literal)"))
    add(
        (
            b"\\ISO 2022 IR 87",
            "LO",
            jis("山")[:-3] + JIS_ROMAN + b"a",
            "山a",
            "ESC ( J without IR 13 declared (pydicom: literal)",
        )
    )
    # Stand-alone sets have no code extensions: ESC stays (pydicom strips ESC ( B, then reads
    # the rest of the run as Latin-1).
    add((b"ISO_IR 192", "LO", b"a\x1b(B\xc3\xa9", "a\x1b(Bé", "UTF-8: ESC ( B is literal"))
    # Invalid bytes replace only themselves (pydicom re-reads the whole run as the first set).
    add((b"\\ISO 2022 IR 149", "LO", euc_kr_g1("가") + b"\xb0", "가\ufffd", "IR 149 lone lead"))
    # GB18030: encoding_rs follows GB 18030-2005/2022, Python's codec GB 18030-2000.
    for code, char in GB18030_MODERN.items():
        add((b"GB18030", "LO", code, char, f"GB 18030-2005/2022 mapping of {code.hex()}"))
    # WHATWG GBK/GB18030 decode a lone 0x80 as the euro sign; Python's codecs reject it.
    add((b"GB18030", "LO", b"\x80", "€", "GB18030 0x80 is the euro sign (pydicom: U+FFFD)"))
    add((b"GBK", "LO", b"a\x80", "a€", "GBK 0x80 is the euro sign (pydicom: U+FFFD)"))
    # Lenient: JIS X 0208 NEC row 13, KS X 1001 filler, invalid pair granularity.
    add(
        (
            b"\\ISO 2022 IR 87",
            "LO",
            ESC + b"$B-!" + JIS_RET,
            "①",
            "NEC row 13 in JIS X 0208 (pydicom: run re-read as Latin-1)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 149",
            "LO",
            euc_kr_g1("") + b"\xc9\xa1a",
            "\ufffda",
            "one U+FFFD per unmapped KS X 1001 pair (pydicom: run re-read as Latin-1)",
        )
    )
    return cases


GB18030_MODERN = {
    bytes.fromhex(k): v
    for k, v in {
        "a3a0": "\u3000",
        "a6d9": "\ufe10",
        "a6da": "\ufe12",
        "a6db": "\ufe11",
        "a6dc": "\ufe13",
        "a6dd": "\ufe14",
        "a6de": "\ufe15",
        "a6df": "\ufe16",
        "a6ec": "\ufe17",
        "a6ed": "\ufe18",
        "a6f3": "\ufe19",
        "a8bc": "\u1e3f",
        "fe59": "\u9fb4",
        "fe61": "\u9fb5",
        "fe66": "\u9fb6",
        "fe67": "\u9fb7",
        "fe6d": "\u9fb8",
        "fe7e": "\u9fb9",
        "fe90": "\u9fba",
        "fea0": "\u9fbb",
        "8135f437": "\ue7c7",
    }.items()
}


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
