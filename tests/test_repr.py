"""Text tree, one-line element repr and Jupyter HTML of datasets (rs_dicom._repr)."""

from __future__ import annotations

import os
import random
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import repr_reference
import rs_dicom
from helpers import load_make_sample
from rs_dicom import _repr

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample_ct.dcm"


make_sample = load_make_sample()


def _pydicom_testdata(name: str) -> str:
    """A file shipped with pydicom; skipped without pydicom unless running in CI."""
    if os.environ.get("CI") != "true":
        pytest.importorskip("pydicom")
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name)
    assert path is not None, name
    return str(path)


def _dataset(*elements: bytes) -> rs_dicom.Dataset:
    """A bare Explicit VR Little Endian dataset (no preamble, no file meta)."""
    return rs_dicom.dcmread(b"".join(elements), force=True)


@pytest.fixture(scope="module")
def sample() -> rs_dicom.Dataset:
    return rs_dicom.dcmread(SAMPLE)


def _line(text: str, tag: str) -> str:
    lines = [line for line in text.splitlines() if line.lstrip().startswith(tag)]
    assert lines, f"no line for {tag}"
    return lines[0]


# --------------------------------------------------------------------------- text tree


def test_tree_columns_for_known_elements(sample: rs_dicom.Dataset) -> None:
    text = repr(sample)
    assert text == _repr.dataset_repr(sample)
    assert re.fullmatch(
        r"\(0010,0010\) PN  1 +14 PatientName +\[Müller\^Jürgen\]", _line(text, "(0010,0010)")
    )
    assert re.fullmatch(
        r"\(0008,0008\) CS  3 +22 ImageType +\[ORIGINAL\\PRIMARY\\AXIAL\]",
        _line(text, "(0008,0008)"),
    )
    # DS / IS show the file's text, binary numbers plain, multi-values joined with '\'.
    assert _line(text, "(0020,0032)").endswith("ImagePositionPatient           [-32\\-32\\12.5]")
    assert _line(text, "(0020,0013)").endswith("[7]")
    assert re.fullmatch(r"\(0028,0010\) US  1 +2 Rows +64", _line(text, "(0028,0010)"))
    assert _line(text, "(0009,1002)").endswith("1\\2\\3")


def test_tree_file_meta_first_with_headings(sample: rs_dicom.Dataset) -> None:
    lines = repr(sample).splitlines()
    assert lines[0].startswith("# Tag")
    assert lines[1] == "# File Meta Information"
    assert lines[2].startswith("(0002,0000) UL")
    heading = lines.index("# Dataset: Explicit VR Little Endian (1.2.840.10008.1.2.1)")
    assert all(line.startswith("(0002,") for line in lines[2:heading])
    assert lines[heading + 1].startswith("(0008,0005) CS")


def test_tree_values_line_up(sample: rs_dicom.Dataset) -> None:
    lines = repr(sample).splitlines()
    # Keywords are padded, so values start in one column at every nesting level.
    value_column = lines[0].index("Value")
    for keyword in ("PatientName", "CodeMeaning", "ReferencedSOPClassUID", "Rows"):
        for line in (line for line in lines if f" {keyword} " in line):
            assert line[value_column - 1] == " " and line[value_column] != " ", line


def test_tree_sequences_nested_with_item_markers(sample: rs_dicom.Dataset) -> None:
    lines = repr(sample).splitlines()
    start = lines.index(_line("\n".join(lines), "(0008,1140)"))
    assert re.fullmatch(
        r"\(0008,1140\) SQ +\d+ +u/l ReferencedImageSequence +\(Sequence, 2 items\)", lines[start]
    )
    assert lines[start + 1] == "  (FFFE,E000) Item #1 (2 elements)"
    assert lines[start + 2].startswith("    (0008,1150) UI  1     26 ReferencedSOPClassUID")
    assert lines[start + 4] == "  (FFFE,E000) Item #2 (2 elements)"
    # Two levels: AnatomicRegionSequence > item > AnatomicRegionModifierSequence > item.
    text = "\n".join(lines)
    assert re.search(r"^\(0008,2218\) SQ  1 +108 AnatomicRegionSequence", text, re.M)
    assert re.search(r"^    \(0008,2220\) SQ  1 +48 AnatomicRegionModifierSequence", text, re.M)
    assert re.search(r"^      \(FFFE,E000\) Item #1 \(3 elements\)$", text, re.M)
    assert re.search(r"^        \(0008,0104\) LO  1 +4 CodeMeaning +\[Left\]$", text, re.M)


def test_tree_private_and_binary(sample: rs_dicom.Dataset) -> None:
    text = repr(sample)
    assert re.search(r"\(0009,0010\) LO  1 +16 PrivateCreator +\[RS_DICOM SAMPLE\]", text)
    assert re.search(
        r"\(0009,1001\) LO  1 +22 \[RS_DICOM SAMPLE\] +\[synthetic head phantom\]", text
    )
    assert _line(text, "(0009,1004)").endswith("(10 bytes) 10 11 12 13 14 15 16 17 18 19")
    pixels = _line(text, "(7FE0,0010)")
    assert re.search(r"OW  1 +8192 PixelData +\(8192 bytes\) 18 00 18 00 .* \.\.\.$", pixels)
    assert len(pixels.split("PixelData", 1)[1].strip()) <= _repr.MAX_VALUE_CHARS


def test_tree_cuts_values_and_escapes_control_characters() -> None:
    long_text = "x" * 300
    ds = _dataset(
        make_sample.text(0x0008, 0x0005, "CS", "ISO_IR 100"),
        make_sample.text(0x0010, 0x4000, "LT", "line one\r\nline two"),
        make_sample.text(0x0020, 0x4000, "LT", long_text),
    )
    text = repr(ds)
    assert len(text.splitlines()) == 3  # no heading without file meta, no broken lines
    assert _line(text, "(0010,4000)").endswith("[line one\\r\\nline two]")
    cut = _line(text, "(0020,4000)").split("ImageComments", 1)[1].strip()
    assert cut.startswith("[xxx") and cut.endswith("...]")
    assert len(cut) == _repr.MAX_VALUE_CHARS
    # A width fits every line (the value is what gets cut), 0 never cuts.
    for line in _repr.tree_lines(ds, width=80):
        assert len(line) <= 80
    full = list(_repr.tree_lines(ds, width=0))
    assert full[-1].endswith("[" + long_text + "]")


def test_tree_empty_values_and_at() -> None:
    ds = _dataset(
        make_sample.text(0x0008, 0x0050, "SH", ""),
        make_sample.element(
            0x0028, 0x0009, "AT", struct.pack("<4H", 0x0054, 0x0010, 0x0054, 0x0020)
        ),
        make_sample.element(0x0028, 0x1050, "DS", b""),
    )
    text = repr(ds)
    assert re.fullmatch(
        r"\(0008,0050\) SH  0 +0 AccessionNumber +\(no value\)", _line(text, "(0008,0050)")
    )
    assert _line(text, "(0028,0009)").endswith(
        "FrameIncrementPointer          (0054,0010)\\(0054,0020)"
    )
    assert _line(text, "(0028,1050)").endswith("(no value)")


def test_tree_pydicom_files() -> None:
    ct = rs_dicom.dcmread(_pydicom_testdata("CT_small.dcm"))
    text = repr(ct)
    assert re.search(
        r"^\(0010,0010\) PN  1 +22 PatientName +\[CompressedSamples\^CT1\]$", text, re.M
    )
    assert re.search(r"^\(0009,0010\) LO  1 +12 PrivateCreator +\[GEMS_IDEN_01\]$", text, re.M)
    assert re.search(r"^\(0009,1001\) LO  1 +14 \[GEMS_IDEN_01\] +\[GE_GENESIS_FF\]$", text, re.M)
    assert re.search(r"^\(0028,0030\) DS  2 +18 PixelSpacing +\[0.661468\\0.661468\]$", text, re.M)
    plan = rs_dicom.dcmread(_pydicom_testdata("rtplan.dcm"))
    text = repr(plan)
    assert "# Dataset: Implicit VR Little Endian (1.2.840.10008.1.2)" in text
    assert re.search(
        r"^\(300A,0010\) SQ +\d +324 DoseReferenceSequence +\(Sequence, 2 items\)$", text, re.M
    )
    assert re.search(
        r"^    \(300A,0018\) DS  3 +50 DoseReferencePointCoordinates \[239.531250000000\\",
        text,
        re.M,
    )
    # Deeper nesting: items of sequences in items of sequences in items.
    assert re.search(r"^      \(FFFE,E000\) Item #2 ", text, re.M)
    assert re.search(r"^          \(FFFE,E000\) Item #2 ", text, re.M)
    jpeg = rs_dicom.dcmread(_pydicom_testdata("JPEG2000.dcm"))
    line = _line(repr(jpeg), "(7FE0,0010)")
    assert re.search(r"OB  1 +u/l PixelData +\(1 fragment, 250 bytes\) FF 4F FF 51 ", line)


# --------------------------------------------------------------------------- element repr


def test_element_repr(sample: rs_dicom.Dataset) -> None:
    elem = sample["PatientName"]
    assert repr(elem) == _repr.element_repr(elem)
    assert repr(elem) == "(0010,0010) Patient's Name                      PN: 'Müller^Jürgen'"
    assert repr(sample["ImageType"]).endswith("CS: ['ORIGINAL', 'PRIMARY', 'AXIAL']")
    assert repr(sample["Rows"]).endswith("US: 64")
    assert repr(sample["ImagePositionPatient"]).endswith("DS: [-32.0, -32.0, 12.5]")
    assert repr(sample["ReferencedImageSequence"]).endswith("SQ: <Sequence, 2 items>")
    assert repr(sample.file_meta["FileMetaInformationVersion"]).endswith("OB: <00 01>")
    pixels = repr(sample["PixelData"])
    assert pixels.startswith("(7FE0,0010) Pixel Data")
    assert "OW: <(8192 bytes) 18 00" in pixels and pixels.endswith("...>")
    assert "\n" not in repr(
        _dataset(make_sample.text(0x0010, 0x4000, "LT", "a\nb"))["PatientComments"]
    )


# --------------------------------------------------------------------------- HTML


def test_html_table_rows(sample: rs_dicom.Dataset) -> None:
    page = sample._repr_html_()
    assert page == _repr.dataset_html(sample)
    assert page.startswith('<div class="rs-dicom">') and page.endswith("</div>")
    assert "<script" not in page
    for header in ("Tag", "Keyword", "VR", "VM", "Length", "Value"):
        assert f"<th>{header}</th>" in page
    assert (
        '<tr><td>(0010,0010)</td><td title="Patient&#x27;s Name">PatientName</td>'
        "<td>PN</td><td>1</td><td>14</td><td>Müller^Jürgen</td></tr>"
    ) in page
    assert "<td>ORIGINAL\\PRIMARY\\AXIAL</td>" in page
    assert "<summary>File Meta Information (7 elements)</summary>" in page
    assert "Explicit VR Little Endian" in page


def test_html_nested_sequences_collapsible(sample: rs_dicom.Dataset) -> None:
    page = sample._repr_html_()
    assert page.count("<details>") == page.count("</details>")
    assert page.count("<table>") == page.count("</table>")
    assert (
        "<details><summary>2 items</summary><details><summary>Item 1 (2 elements)</summary>" in page
    )
    # AnatomicRegionSequence > item > AnatomicRegionModifierSequence > item > CodeMeaning.
    nested = re.search(
        r"AnatomicRegionSequence</td>.*?<summary>1 item</summary><details><summary>Item 1 "
        r"\(4 elements\)</summary><table>.*?AnatomicRegionModifierSequence</td>.*?"
        r"<summary>Item 1 \(3 elements\)</summary><table>.*?<td>Left</td>",
        page,
    )
    assert nested is not None


def test_html_escapes_values(sample: rs_dicom.Dataset) -> None:
    page = sample._repr_html_()
    assert "<td>AXIAL 2.5MM &lt;SYNTHETIC&gt;</td>" in page
    assert "<SYNTHETIC>" not in page
    assert ">[RS_DICOM SAMPLE]</td>" in page
    ds = _dataset(make_sample.text(0x0010, 0x4000, "LT", "<script>alert('x') & \"y\"</script>"))
    page = ds._repr_html_()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;) &amp; &quot;y&quot;&lt;/script&gt;" in page


def test_html_row_cap() -> None:
    # 3,000 private elements: far more than the cap.
    elements = [make_sample.text(0x0009, 0x0010, "LO", "CREATOR")]
    elements += [
        make_sample.element(0x0009, 0x1000 + i, "US", struct.pack("<H", i)) for i in range(0xF00)
    ]
    ds = _dataset(*elements)
    page = _repr.dataset_html(ds)
    assert page.count("<tr><td>") == _repr.MAX_HTML_ROWS
    assert "Output truncated after 2,000 rows" in page
    assert page.count("<table>") == page.count("</table>")
    small = _repr.dataset_html(ds, max_rows=5)
    assert small.count("<tr><td>") == 5 and "truncated after 5 rows" in small


def test_html_row_cap_inside_sequences(sample: rs_dicom.Dataset) -> None:
    page = _repr.dataset_html(sample, max_rows=30)  # 7 meta rows, stops inside the sequences
    assert page.count("<tr><td>") == 30
    assert "truncated after 30 rows" in page
    assert page.count("<details>") == page.count("</details>")
    assert page.count("<table>") == page.count("</table>")
    assert page.count("<tr>") == page.count("</tr>")
    full = _repr.dataset_html(sample)
    assert "truncated" not in full


def _pydicom_files() -> list[Path]:
    """Every file shipped inside the pydicom package (globbed: no downloads)."""
    try:
        import pydicom
    except ImportError:
        return []
    data = Path(pydicom.__file__).parent / "data"
    return sorted(p for d in ("test_files", "charset_files") for p in (data / d).rglob("*.dcm"))


def test_every_pydicom_file_has_a_repr() -> None:
    """Tree, HTML and element reprs never fail and show no undecodable values."""
    if os.environ.get("CI") != "true":
        pytest.importorskip("pydicom")
    files = _pydicom_files()
    assert len(files) > 50
    shown = 0
    for path in files:
        try:
            ds = rs_dicom.dcmread(path)
        except (rs_dicom.DicomError, OSError):
            continue  # deliberately broken files: the conformance tests cover them
        text = repr(ds)
        assert "(error:" not in text, path
        page = ds._repr_html_()
        assert page.count("<details>") == page.count("</details>"), path
        for line in _repr.tree_lines(ds, width=100):
            assert "\n" not in line
        for elem in ds:
            assert "\n" not in repr(elem)
        shown += 1
    assert shown > 50


# --------------------------------------------------------------------------- Rust = reference
# The tree, reprs and HTML are made in Rust (rs_dicom::dump); tests/repr_reference.py is the
# Python implementation they replaced, kept as the oracle: the output must be the same to the
# character, for every function, width and limit.

_WIDTHS: list[dict[str, Any]] = [
    {},
    {"width": 0},
    {"width": 1},
    {"width": 40},
    {"width": 100},
    {"width": 200},
    {"value_limit": 0},
    {"value_limit": 5},
    {"value_limit": 12},
    {"file_meta": False, "width": 60},
]
_THUMBNAIL = re.compile(r'<div><img src="data:image/png;base64,[A-Za-z0-9+/=]*" alt="[^"]*"></div>')


def _elements(ds: rs_dicom.Dataset) -> Iterator[tuple[rs_dicom.Element, rs_dicom.Dataset]]:
    for elem in ds:
        yield elem, ds
        value = elem.value if elem.vr == "SQ" else None
        if isinstance(value, list):
            for item in value:
                yield from _elements(item)


def _assert_same_as_reference(ds: rs_dicom.Dataset) -> None:
    for options in _WIDTHS:
        assert list(_repr.tree_lines(ds, **options)) == list(
            repr_reference.tree_lines(ds, **options)
        ), options
    assert repr(ds) == repr_reference.dataset_repr(ds)
    # The thumbnail comes from the display code (another PNG encoder): compared without it.
    assert _THUMBNAIL.sub("", ds._repr_html_()) == repr_reference.dataset_html(ds, thumbnail=False)
    for rows in (0, 1, 30):
        assert _THUMBNAIL.sub("", _repr.dataset_html(ds, max_rows=rows)) == (
            repr_reference.dataset_html(ds, max_rows=rows, thumbnail=False)
        )
    for elem, parent in _elements(ds):
        assert repr(elem) == repr_reference.element_repr(elem)
        assert _repr.keyword_text(elem, parent) == repr_reference.keyword_text(elem, parent)
        assert _repr.keyword_text(elem) == repr_reference.keyword_text(elem)
        for limit in (None, 0, 4, 5, 7, 33, 80):
            assert _repr.plain_value(elem, limit=limit) == repr_reference.plain_value(
                elem, limit=limit
            ), (elem.tag, limit)
            assert _repr.value_text(elem, limit) == repr_reference.value_text(elem, limit), (
                elem.tag,
                limit,
            )


def _corpus() -> list[Path]:
    try:
        from conformance import corpus_files
    except ImportError:  # pydicom missing: the test below says so
        return []
    return corpus_files()


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
def test_rust_dump_equals_the_python_reference_on_the_corpus(path: Path) -> None:
    try:
        ds = rs_dicom.dcmread(path)
    except rs_dicom.DicomError:
        try:
            ds = rs_dicom.dcmread(path, force=True)
        except rs_dicom.DicomError:
            pytest.skip("not readable (the conformance tests cover it)")
    _assert_same_as_reference(ds)


def test_the_corpus_is_there() -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("pydicom")
    assert len(_corpus()) > 200


def test_rust_dump_equals_the_python_reference_on_the_sample(sample: rs_dicom.Dataset) -> None:
    _assert_same_as_reference(sample)


def _private_block(group: int, creator: bytes, vr: str = "LO") -> bytes:
    return make_sample.element(group, 0x0010, vr, creator) + make_sample.element(
        group, 0x1001, "LO", b"VALUE "
    )


def _edge_cases(seed: int) -> bytes:
    """Elements that take every branch of the value formatting, in tag order."""
    rng = random.Random(seed)
    el, tx = make_sample.element, make_sample.text
    floats = [struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0] for _ in range(40)]
    floats += [0.0, -0.0, 1.9, 0.1, 3.4028234663852886e38, 1e-45, float("inf"), float("nan")]
    doubles = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(40)]
    doubles += [606.27227783203125, 1e16, 1e-5, 0.0001, 1e15, -0.0, 2.5, float("-inf")]
    # Controls, quotes, backslash, Latin-1 (U+0085 and U+00A0 are not printable for repr).
    codes = [9, 10, 13, 0x1F, 0x7F, 0x85, 0xA0, 0xE9, ord("'"), ord('"'), ord("\\"), ord("A")]
    chars = "".join(chr(rng.choice(codes)) for _ in range(60))
    # Encapsulated pixel data: an empty offset table, then 2 fragments.
    items = [
        struct.pack("<HHI", 0xFFFE, 0xE000, len(f)) + f for f in (b"", b"\xff\x4f" * 5, b"\1\2")
    ]
    end = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    pixel_data = el(0x7FE0, 0x0010, "OB", b"".join(items) + end, length=0xFFFFFFFF)
    nested = b""
    for depth in range(40):
        nested = make_sample.sequence(
            0x0040, 0xA730, [make_sample.item(tx(0x0040, 0xA160, "UT", f"level {depth}") + nested)]
        )
    return b"".join(
        [
            tx(0x0008, 0x0005, "CS", "ISO_IR 100"),
            el(0x0008, 0x0008, "CS", b"A\\\\B "),
            tx(0x0008, 0x0050, "SH", ""),
            el(0x0008, 0x0060, "CS", b"  "),
            tx(0x0008, 0x1030, "LO", "quote ' and \" both", "it's"),
            make_sample.sequence(0x0008, 0x1115, []),
            make_sample.sequence(
                0x0008, 0x1140, [make_sample.item(tx(0x0008, 0x1150, "UI", "1.2"))]
            ),
            el(0x0009, 0x0000, "UL", struct.pack("<I", 4)),
            el(0x0009, 0x0005, "LO", b"LOW "),
            el(0x0009, 0x1001, "LO", b"NO CREATOR"),
            _private_block(0x0011, b"MULTI\\VALUED"),
            _private_block(0x0013, b"  "),
            _private_block(0x0015, "Ünïcode créator".encode("latin-1") + b" "),
            _private_block(0x0017, b"SHORT ", "SH"),
            _private_block(0x0019, b"BYTES ", "UN"),
            el(0x0018, 0x0050, "DS", b" 2.50\x00\\ 1e3 \\abc\\\xe9\xff\\\\ "),
            el(0x0018, 0x1020, "LO", b"x" * 30 + b"\\" + b"y" * 200),
            el(0x0020, 0x0013, "IS", b"7.0 "),
            el(0x0020, 0x0012, "IS", b"   "),
            el(0x0020, 0x4000, "LT", chars.encode("latin-1")),
            el(0x0028, 0x0009, "AT", struct.pack("<4H", 0x0054, 0x0010, 0x0054, 0x0020)),
            el(0x0028, 0x0010, "US", b"\x01"),
            el(0x0028, 0x0011, "US", b""),
            el(0x0028, 0x0030, "DS", b""),
            el(0x0028, 0x0034, "IS", b"1\\2 "),
            el(0x0028, 0x0106, "US", struct.pack("<40H", *range(40))),
            el(0x0028, 0x1052, "DS", b"-1024 "),
            el(0x0028, 0x6120, "SS", struct.pack("<h", -5)),
            el(0x0029, 0x0010, "LO", b"CREATOR "),
            el(0x0029, 0x1001, "OB", bytes(range(16))),
            el(0x0029, 0x1002, "OB", bytes(range(17)) + b"\0"),
            el(0x0029, 0x1003, "OB", bytes(range(32))),
            el(0x0029, 0x1004, "OB", bytes(range(33)) + b"\0"),
            el(0x0029, 0x1005, "FL", struct.pack(f"<{len(floats)}f", *floats)),
            el(0x0029, 0x1006, "FL", struct.pack("<f", 1.9)),
            el(0x0029, 0x1007, "FD", struct.pack(f"<{len(doubles)}d", *doubles)),
            el(0x0029, 0x1008, "FD", struct.pack("<d", 606.27227783203125)),
            el(0x0029, 0x1009, "OF", struct.pack("<3f", 1, 2, 3)),
            el(0x0029, 0x100A, "UV", struct.pack("<2Q", 2**64 - 1, 0)),
            el(0x0029, 0x100B, "SV", struct.pack("<q", -(2**63))),
            el(0x0029, 0x100C, "AT", b"\x01\x00\x02"),
            el(0x0029, 0x100D, "UN", b""),
            el(0x0029, 0x100E, "SL", struct.pack("<3i", -1, 0, 2**31 - 1)),
            el(0x0029, 0x100F, "UL", struct.pack("<I", 2**32 - 1)),
            nested,
            el(0x0043, 0x0001, "LO", b"UNKNOWN PRIVATE"),
            el(0x1234, 0x5678, "UT", b"unknown public"),
            pixel_data,
        ]
    )


@pytest.mark.parametrize("seed", range(3))
def test_rust_dump_equals_the_python_reference_on_edge_cases(seed: int) -> None:
    ds = _dataset(_edge_cases(seed))
    _assert_same_as_reference(ds)
    # What the edge cases are for shows up.
    text = "\n".join(_repr.tree_lines(ds, width=0))
    assert "(2 fragments, 12 bytes) FF 4F" in text  # the offset table is not a fragment
    assert "[Ünïcode créator]" in text and "PrivateTagData" in text and "GroupLength" in text
    assert "          (FFFE,E000) Item #1 (1 element)" in text
    # The tree escapes C0 controls and DEL; repr(), as Python's, escapes U+0085 too.
    assert "\\x85" not in text and "\\x85" in repr(ds["ImageComments"])


def test_rust_dump_equals_the_python_reference_with_file_meta() -> None:
    for uid in ("1.2.840.10008.1.2.1", "", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.5"):
        meta = make_sample.text(0x0002, 0x0010, "UI", uid) if uid else b""
        meta = make_sample.element(0x0002, 0x0001, "OB", b"\0\1") + meta
        data = b"\0" * 128 + b"DICM" + make_sample.ul(0x0002, 0x0000, len(meta)) + meta
        ds = rs_dicom.dcmread(data + _edge_cases(7))
        _assert_same_as_reference(ds)
