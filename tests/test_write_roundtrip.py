"""Unmodified saves: every file of pydicom and pydicom-data read and saved with `save_as` must
come back byte for byte (the exceptions are listed with their reasons; test_write_variants.py
does the same for DCMTK- and GDCM-made variants). Files without preamble or file meta come out
as Part 10 files when asked. Compressed files keep their fragments and offset tables through
an edit, decode to the same pixels, and DCMTK and dicom3tools accept them.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pydicom")

import numpy as np  # noqa: E402
import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402
from pydicom.encaps import generate_fragments  # noqa: E402
from write_check import (  # noqa: E402
    compare_pydicom,
    compare_rs,
    is_encapsulated,
    read_pydicom,
    read_rs,
    save_bytes,
)
from write_oracles import dciodvfy_errors, dcmdump_errors  # noqa: E402

FILES = corpus_files()

# Files whose unmodified save is not byte-identical, and why. Each is malformed input that the
# reader repairs (as pydicom does) or that cannot be written as it is.
NOT_IDENTICAL = {
    # (0008,0018) appears twice; the reader keeps the first, as DCMTK does.
    "winter.dcm": "duplicate element",
    # The Transfer Syntax UID says explicit VR but the dataset is implicit VR (pydicom and
    # rs_dicom read it by what the data says); it is written as its transfer syntax says.
    "SC_rgb_jpeg.dcm": "implicit VR data under an explicit VR transfer syntax",
    # A UN element holding a sequence is read as SQ (as pydicom does) and written as SQ
    # (PS3.5 6.2.2: UN is for values whose VR is unknown, and this one is known).
    "UN_sequence.dcm": "UN sequence written as SQ",
    "rtdose_rle.dcm": "UN sequence written as SQ",
    "rtdose_rle_1frame.dcm": "UN sequence written as SQ",
    "bad_sequence.dcm": "UN sequence written as SQ",
    # The file meta has no Transfer Syntax UID (0002,0010): the writer adds it (PS3.10 7.1
    # requires it) with the syntax the data was read in.
    "meta_missing_tsyntax.dcm": "Transfer Syntax UID added",
    # The file ends without the sequence delimiter of the encapsulated pixel data (accepted
    # when reading, as pydicom does): the writer writes it.
    "emri_small_jpeg_2k_lossless_too_short.dcm": "sequence delimiter added",
}
# Files that cannot be saved: the pixel data is cut short by the end of the file, and a value
# that is not there cannot be written (a DicomError, and no file).
NOT_WRITABLE = {"MR_truncated.dcm"}
# Files rs_dicom does not read at all (tests/test_conformance.py lists why).
UNREADABLE = {"rtplan_truncated.dcm", "DICOMDIR-nooffset", "no_meta.dcm"}


def _read(path: Path) -> rs_dicom.Dataset:
    return read_rs(path)[0]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_unmodified_save_is_byte_identical(path: Path, tmp_path: Path) -> None:
    if path.name in UNREADABLE:
        with pytest.raises(rs_dicom.DicomError):
            _read(path)
        return
    ds = _read(path)
    out = tmp_path / "out.dcm"
    if path.name in NOT_WRITABLE:
        with pytest.raises(rs_dicom.DicomError, match=r"cut short"):
            ds.save_as(out)
        assert list(tmp_path.iterdir()) == [], "a failed save leaves no file"
        return
    ds.save_as(out)
    same = out.read_bytes() == path.read_bytes()
    if path.name in NOT_IDENTICAL:
        assert not same, f"{path.name} is now identical: remove it from NOT_IDENTICAL"
        # Still the same data.
        back, _ = read_rs(out)
        big = ds.transfer_syntax_uid == "1.2.840.10008.1.2.2"
        diffs = list(compare_rs(ds, back, a_big=big, b_big=big, implicit=False))
        assert diffs == [], diffs[:10]
    else:
        assert same, f"{path.name}: first difference at byte {_first_difference(path, out)}"


def _first_difference(a: Path, b: Path) -> int:
    x, y = a.read_bytes(), b.read_bytes()
    return next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))


def test_the_exception_lists_name_corpus_files() -> None:
    names = {p.name for p in FILES}
    assert len(FILES) > 200
    assert set(NOT_IDENTICAL) | NOT_WRITABLE | UNREADABLE <= names


# ---- files without preamble or file meta -----------------------------------------------------

NO_PREAMBLE = [p for p in FILES if p.name not in UNREADABLE and read_rs(p)[0].preamble is None]


@pytest.mark.parametrize("path", NO_PREAMBLE, ids=[p.name for p in NO_PREAMBLE])
def test_files_without_preamble_come_out_as_part10_when_asked(path: Path, tmp_path: Path) -> None:
    """Unmodified, they are written as read (no preamble, no meta: byte-identical above, as
    pydicom does); with enforce_file_format=True they become Part 10 files: preamble, DICM,
    a complete file meta group, read by pydicom and DCMTK as files, not bare datasets."""
    ds = _read(path)
    out = tmp_path / "part10.dcm"
    ds.save_as(out, enforce_file_format=True)
    data = out.read_bytes()
    assert data[:128] == bytes(128) and data[128:132] == b"DICM"
    back = rs_dicom.dcmread(str(out))  # no force
    meta = {e.keyword for e in back.file_meta}
    required = {"FileMetaInformationGroupLength", "FileMetaInformationVersion"}
    required |= {"MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID"}
    required |= {"TransferSyntaxUID", "ImplementationClassUID"}
    assert required <= meta
    assert back.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert list(compare_rs(ds, back, a_big=False, b_big=False, implicit=False)) == []
    import pydicom

    pydicom.dcmread(out)  # no force: a valid Part 10 file to pydicom
    assert dcmdump_errors(out) == []


def test_files_without_preamble_are_in_the_corpus() -> None:
    assert {p.name for p in NO_PREAMBLE} >= {"ExplVR_LitEndNoMeta.dcm", "rtstruct.dcm"}


# ---- compressed pixel data ------------------------------------------------------------------

ENCAPSULATED = [
    p for p in FILES if p.name not in UNREADABLE | NOT_WRITABLE and is_encapsulated(read_rs(p)[0])
]


def _pixels(ds: rs_dicom.Dataset) -> np.ndarray | None:
    try:
        return np.asarray(ds.pixel_array)
    except rs_dicom.DicomError:
        return None


def _pydicom_pixels(pds: Any) -> np.ndarray | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(pds.pixel_array)
    except Exception:  # no pydicom decoder for it (or the data is bad): nothing to compare
        return None


@pytest.mark.parametrize("path", ENCAPSULATED, ids=[p.name for p in ENCAPSULATED])
def test_compressed_keep_fragments_and_pixels_through_an_edit(path: Path, tmp_path: Path) -> None:
    ds = _read(path)
    ts = ds.transfer_syntax_uid
    before = ds["PixelData"].fragments
    assert before is not None
    table, frags = bytes(before[0]), [bytes(f) for f in before[1]]
    pixels = _pixels(ds)
    ds.PatientName = "Edited^Name"
    data = save_bytes(ds)
    out = tmp_path / "edited.dcm"
    out.write_bytes(data)
    back, _ = read_rs(data)
    assert back.transfer_syntax_uid == ts
    assert back.PatientName == "Edited^Name"
    after = back["PixelData"].fragments
    assert after is not None
    assert bytes(after[0]) == table, "the Basic Offset Table is kept"
    assert [bytes(f) for f in after[1]] == frags, "the fragments are kept as read"
    if pixels is not None:
        np.testing.assert_array_equal(_pixels(back), pixels)

    # pydicom reads the same fragments, elements and pixels back.
    pin, pout = read_pydicom(path), read_pydicom(data)
    assert list(generate_fragments(pout.PixelData)) == [table, *frags]
    assert str(pout.PatientName) == "Edited^Name"
    pin.pop(0x00100010, None)
    pout.pop(0x00100010, None)
    if len(pin) == 0:
        # pydicom reads nothing of the input (emri_small_jpeg_2k_lossless_too_short.dcm ends
        # without its sequence delimiter) but all of what we wrote (with the delimiter).
        assert path.name in NOT_IDENTICAL and len(pout) > 0
    diffs = list(compare_pydicom(pin, pout, a_big=False, b_big=False, implicit=False))
    assert len(pin) == 0 or diffs == [], diffs[:10]
    want = _pydicom_pixels(pin)
    if want is not None:
        np.testing.assert_array_equal(_pydicom_pixels(pout), want)

    # DCMTK parses it; dciodvfy finds nothing new.
    assert dcmdump_errors(out) == []
    assert dciodvfy_errors(out) - dciodvfy_errors(path) == set()


def test_compressed_files_are_in_the_corpus() -> None:
    syntaxes = {read_rs(p)[0].transfer_syntax_uid for p in ENCAPSULATED}
    # RLE, JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000 (+ lossless), HTJ2K at least.
    assert len(ENCAPSULATED) > 40 and len(syntaxes) >= 8, syntaxes
