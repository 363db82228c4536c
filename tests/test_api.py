"""The Python API contract of DESIGN.md, on the shipped sample and pydicom's test files."""

from __future__ import annotations

import gc
import io
import os
from pathlib import Path

import pytest
import rs_dicom
from rs_dicom import Tag

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample_ct.dcm"


@pytest.fixture(scope="module")
def ds() -> rs_dicom.Dataset:
    return rs_dicom.dcmread(SAMPLE)


def test_inputs_all_read_the_same(ds: rs_dicom.Dataset) -> None:
    data = SAMPLE.read_bytes()
    for src in (
        str(SAMPLE),
        SAMPLE,
        data,
        bytearray(data),
        memoryview(data),
        io.BytesIO(data),
        open(SAMPLE, "rb"),
    ):
        other = rs_dicom.dcmread(src)
        assert [int(e.tag) for e in other] == [int(e.tag) for e in ds]
        assert other.PatientName == ds.PatientName
        if hasattr(src, "close"):
            src.close()


def test_bad_input_types() -> None:
    with pytest.raises(TypeError):
        rs_dicom.dcmread(12)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rb"):
        rs_dicom.dcmread(io.StringIO("x"))  # type: ignore[arg-type]


def test_os_errors_are_python_os_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        rs_dicom.dcmread(tmp_path / "missing.dcm")
    assert info.value.errno == 2
    assert info.value.filename == str(tmp_path / "missing.dcm")
    with pytest.raises(IsADirectoryError):
        rs_dicom.dcmread(tmp_path)


def test_keys_of_every_form(ds: rs_dicom.Dataset) -> None:
    by_int = ds[0x00100010]
    assert ds[(0x0010, 0x0010)].value == by_int.value
    assert ds[Tag(0x0010, 0x0010)].value == by_int.value
    assert ds["PatientName"].value == by_int.value
    assert ds.PatientName == by_int.value
    assert "PatientName" in ds and 0x00100010 in ds and (0x10, 0x10) in ds
    assert "ContrastBolusAgent" not in ds and 0x00180010 not in ds
    with pytest.raises(KeyError):
        ds[0x00180010]
    with pytest.raises(KeyError):
        ds["NotAKeyword"]
    with pytest.raises(AttributeError):
        _ = ds.NotAKeyword
    with pytest.raises(TypeError):
        ds[1.5]  # type: ignore[index]


def test_get_like_pydicom(ds: rs_dicom.Dataset) -> None:
    assert ds.get("PatientName") == ds.PatientName  # keyword -> value
    elem = ds.get(0x00100010)  # tag -> Element
    assert isinstance(elem, rs_dicom.Element) and elem.keyword == "PatientName"
    assert ds.get("ContrastBolusAgent", "n/a") == "n/a"
    assert ds.get(0x00180010) is None


def test_iteration_is_ascending(ds: rs_dicom.Dataset) -> None:
    tags = [int(e.tag) for e in ds]
    assert tags == sorted(tags) and len(tags) == len(ds)
    assert [int(t) for t in ds.keys()] == tags
    assert [int(e.tag) for e in ds.values()] == tags
    assert all(int(t) == int(e.tag) for t, e in ds.items())


def test_element_properties(ds: rs_dicom.Dataset) -> None:
    e = ds["PatientName"]
    assert isinstance(e.tag, Tag) and e.tag == 0x00100010
    assert (e.vr, e.keyword, e.name, e.vm) == ("PN", "PatientName", "Patient's Name", 1)
    raw = bytes(e.raw)
    assert len(raw) == e.length
    data = SAMPLE.read_bytes()
    # .offset is the element header; the value follows an 8-byte explicit VR header.
    assert data[e.offset : e.offset + 4] == b"\x10\x00\x10\x00"
    assert data[e.offset + 8 : e.offset + 8 + e.length] == raw
    seq = ds["ReferencedImageSequence"]
    assert seq.vr == "SQ" and seq.vm == 1 and isinstance(seq.value, list)
    assert all(isinstance(item, rs_dicom.Dataset) for item in seq.value)
    assert seq.value[0].file_meta is None


def test_value_types(ds: rs_dicom.Dataset) -> None:
    assert isinstance(ds.PatientName, str)
    assert isinstance(ds.InstanceNumber, int)
    assert isinstance(ds.SliceThickness, float)
    pos = ds.ImagePositionPatient
    assert isinstance(pos, list) and all(isinstance(v, float) for v in pos)
    assert isinstance(ds.Rows, int)
    assert isinstance(ds.ImageType, list)


def test_bulk_values_are_read_only_views() -> None:
    data = bytearray(SAMPLE.read_bytes())
    ds = rs_dicom.dcmread(data)
    px = ds["PixelData"].value
    assert isinstance(px, memoryview) and px.readonly
    with pytest.raises(TypeError):
        px[0] = 1  # type: ignore[index]
    # A view of the caller's buffer, not a copy: it sees the caller's bytes in place.
    start = ds["PixelData"].offset + 12
    assert bytes(px[:4]) == bytes(data[start : start + 4])
    # The buffer stays exported (pinned) while the dataset lives: bytearray cannot resize.
    with pytest.raises(BufferError):
        data.extend(b"xx")
    del ds, px
    gc.collect()
    data.extend(b"xx")


def test_view_outlives_dataset() -> None:
    ds = rs_dicom.dcmread(SAMPLE)
    raw = ds["PixelData"].raw
    expected = bytes(raw)
    del ds
    gc.collect()
    assert bytes(raw) == expected


def test_file_meta_and_transfer_syntax(ds: rs_dicom.Dataset) -> None:
    meta = ds.file_meta
    assert isinstance(meta, rs_dicom.Dataset)
    assert all(e.tag.group == 2 for e in meta)
    assert ds.transfer_syntax_uid == meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert ds.preamble is not None and len(ds.preamble) == 128


def test_stop_before_pixels(ds: rs_dicom.Dataset) -> None:
    head = rs_dicom.dcmread(SAMPLE, stop_before_pixels=True)
    assert "PixelData" not in head
    assert len(head) == len(ds) - 1
    assert head.PatientName == ds.PatientName


def test_stop_before_pixels_with_header_beyond_prefix(tmp_path: Path) -> None:
    """The header read-ahead falls back to the whole file when the header is long."""
    pydicom = pytest.importorskip("pydicom")
    from pydicom.data import get_testdata_file

    pds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    pds.ImageComments = "x" * 40_000  # a 40 kB header, beyond the 32 kB read-ahead
    out = tmp_path / "long_header.dcm"
    pds.save_as(out)
    head = rs_dicom.dcmread(out, stop_before_pixels=True)
    assert head.ImageComments == "x" * 40_000
    full = rs_dicom.dcmread(out)
    assert [int(e.tag) for e in head] == [int(e.tag) for e in full if e.tag < 0x7FE00010]


def test_force_reads_dataset_without_meta(ds: rs_dicom.Dataset) -> None:
    data = SAMPLE.read_bytes()
    meta_end = max(e.offset + 8 + e.length for e in ds.file_meta)
    body = data[meta_end:]
    with pytest.raises(rs_dicom.InvalidDicomError):
        rs_dicom.dcmread(body)
    forced = rs_dicom.dcmread(body, force=True)
    assert forced.PatientName == ds.PatientName
    assert len(forced) == len(ds)


def test_exception_hierarchy() -> None:
    for cls in (
        rs_dicom.InvalidDicomError,
        rs_dicom.TruncatedError,
        rs_dicom.MalformedError,
        rs_dicom.UnsupportedTransferSyntaxError,
        rs_dicom.UnsupportedCodecError,
    ):
        assert issubclass(cls, rs_dicom.DicomError)
    assert issubclass(rs_dicom.DicomError, ValueError)
    with pytest.raises(rs_dicom.InvalidDicomError, match="byte offset 128"):
        rs_dicom.dcmread(b"\x00" * 200)


def test_tag_type() -> None:
    t = Tag(0x0010, 0x0010)
    assert t == 0x00100010 and hash(t) == hash(0x00100010)
    assert Tag(0x00100010) == t == Tag((0x10, 0x10)) == Tag("PatientName")
    assert (t.group, t.element, int(t), str(t)) == (0x10, 0x10, 0x00100010, "(0010,0010)")
    assert t.keyword == "PatientName" and not t.is_private
    assert Tag(0x0009, 0x0010).is_private
    assert {t: 1}[0x00100010] == 1


def test_repr_and_html(ds: rs_dicom.Dataset) -> None:
    text = repr(ds)
    assert "PatientName" in text and "(0010,0010)" in text
    html = ds._repr_html_()
    assert "<table" in html and "PatientName" in html


def test_sample_is_generated_by_the_repo_script() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sample.py"), "--help"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0
    assert os.path.getsize(SAMPLE) > 1000
