"""Text tree, one-line element repr and Jupyter HTML of datasets (rs_dicom._repr)."""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import pytest
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
