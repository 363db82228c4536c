"""What `save_as` can be asked for besides the transfer syntax: sequence and item lengths as
read or normalised (`undefined_length`), and encapsulated pixel data given as the bytes of its
items (pydicom's `ds.PixelData = encapsulate(frames)`), written with a Basic Offset Table
that matches its fragments. pydicom is the oracle of what was written.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pydicom")

import numpy as np  # noqa: E402
import pydicom  # noqa: E402
import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402
from pydicom.encaps import encapsulate, generate_fragments, generate_frames  # noqa: E402
from rs_dicom import deid  # noqa: E402
from write_check import compare_rs, read_pydicom, read_rs  # noqa: E402

FILES = {p.name: p for p in corpus_files()}


def _layout(ds: Any, path: str = "") -> Iterator[tuple[str, bool]]:
    """(where, undefined) for every sequence and item of a pydicom dataset; `where` ends in
    "!" for sequences of odd groups (private)."""
    for elem in ds:
        if elem.VR != "SQ":
            continue
        where = f"{path}{elem.tag}" + ("!" if elem.tag.group % 2 else "")
        yield where, bool(elem.is_undefined_length)
        for i, item in enumerate(elem.value):
            yield f"{where}[{i}]", bool(item.is_undefined_length_sequence_item)
            yield from _layout(item, f"{where}[{i}].")


def _saved(ds: rs_dicom.Dataset, **kw: Any) -> bytes:
    out = io.BytesIO()
    ds.save_as(out, **kw)
    return out.getvalue()


# Sequences of defined lengths (rtplan), undefined (CT_small's are), nested private ones.
LAYOUT_FILES = ["rtplan.dcm", "nested_priv_SQ.dcm", "reportsi.dcm", "DICOMDIR", "CT_small.dcm"]


@pytest.mark.parametrize("name", LAYOUT_FILES)
def test_lengths_as_read_or_normalised(name: str) -> None:
    path = FILES[name]
    read = list(_layout(read_pydicom(path)))
    assert read, "the file has sequences"

    as_read = list(_layout(read_pydicom(_saved(rs_dicom.dcmread(str(path))))))
    assert as_read == read

    for undefined in (True, False):
        ds = rs_dicom.dcmread(str(path))
        data = _saved(ds, undefined_length=undefined)
        got = list(_layout(read_pydicom(data)))
        assert [w for w, _ in got] == [w for w, _ in read]
        # In implicit VR private sequences keep undefined lengths: that is how a reader
        # tells they are sequences.
        implicit = ds.transfer_syntax_uid == "1.2.840.10008.1.2"
        kept = [w for w, u in got if u != undefined]
        assert all(implicit and w.endswith("!") for w in kept), got
        back, _ = read_rs(data)
        diffs = list(compare_rs(ds, back, a_big=False, b_big=False, implicit=False))
        assert diffs == [], diffs[:10]
    # The mix of both in one file is what makes the test meaningful somewhere.
    if name == "DICOMDIR":
        assert {u for _, u in read} == {False}


def test_dcmwrite_takes_undefined_length(tmp_path: Path) -> None:
    ds = rs_dicom.dcmread(str(FILES["rtplan.dcm"]))
    out = tmp_path / "u.dcm"
    rs_dicom.dcmwrite(out, ds, undefined_length=True)
    assert all(u for _, u in _layout(pydicom.dcmread(out)))


def _frames(path: Path) -> list[bytes]:
    pds = read_pydicom(path)
    n = int(pds.get("NumberOfFrames", 1) or 1)
    return list(generate_frames(pds.PixelData, number_of_frames=n))


@pytest.mark.parametrize("name", ["JPEG2000.dcm", "emri_small_jpeg_2k_lossless.dcm"])
@pytest.mark.parametrize("has_bot", [True, False])
def test_pixel_data_from_encapsulated_items(name: str, has_bot: bool, tmp_path: Path) -> None:
    path = FILES[name]
    want = np.asarray(rs_dicom.dcmread(str(path)).pixel_array)
    frames = _frames(path)
    ds = rs_dicom.dcmread(str(path))
    ds.PixelData = encapsulate(frames, has_bot=has_bot)
    out = tmp_path / "enc.dcm"
    ds.save_as(out)

    back = rs_dicom.dcmread(str(out))
    np.testing.assert_array_equal(np.asarray(back.pixel_array), want)
    assert back["PixelData"].vr == "OB"
    pds = pydicom.dcmread(out)
    items = list(generate_fragments(pds.PixelData))
    assert items[1:] == [f + b"\0" * (len(f) % 2) for f in frames]
    # The offset table pydicom's encapsulate made: one entry per frame, or none.
    table = np.frombuffer(items[0], "<u4").tolist()
    starts = np.cumsum([0] + [8 + len(f) + len(f) % 2 for f in frames[:-1]]).tolist()
    assert table == (starts if has_bot else [])
    np.testing.assert_array_equal(pds.pixel_array, want)


def test_native_pixel_data_in_a_compressed_syntax_names_the_tag(tmp_path: Path) -> None:
    ds = rs_dicom.dcmread(str(FILES["CT_small.dcm"]))
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.50"  # JPEG Baseline
    with pytest.raises(rs_dicom.DicomError, match=r"\(7FE0,0010\).*|no encoder") as exc:
        ds.save_as(tmp_path / "jpeg.dcm")
    assert "(7FE0,0010)" in str(exc.value) and "JPEG Baseline" in str(exc.value)
    assert list(tmp_path.iterdir()) == []


UNREGISTERED = "1.2.840.10008.1.2.4.999"


def test_an_unregistered_syntax_in_the_dicom_root_keeps_its_uid(tmp_path: Path) -> None:
    """A file in a transfer syntax the registry does not know (read as encapsulated explicit
    VR little endian) is saved and de-identified with the UID its meta names, not an empty
    one."""
    ds = rs_dicom.dcmread(str(FILES["SC_rgb_rle.dcm"]))
    ds.file_meta.TransferSyntaxUID = UNREGISTERED
    src = tmp_path / "unregistered.dcm"
    ds.save_as(src)
    assert pydicom.dcmread(src).file_meta.TransferSyntaxUID == UNREGISTERED
    back = rs_dicom.dcmread(str(src))
    assert back.file_meta.TransferSyntaxUID == UNREGISTERED
    assert back.PixelData == ds.PixelData
    out = tmp_path / "deid.dcm"
    deid.Anonymizer(key=b"unregistered-syntax-key").anonymize_file(src, out)
    assert pydicom.dcmread(out).file_meta.TransferSyntaxUID == UNREGISTERED
