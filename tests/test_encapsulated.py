"""Encapsulated pixel data: fragments → frames compared with pydicom's encaps module on every
compressed file in the pydicom / pydicom-data corpus."""

from __future__ import annotations

import warnings

import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402


def _encapsulated_files():
    out = []
    for p in corpus_files():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(p, stop_before_pixels=False)
        except Exception:
            continue
        ts = ds.file_meta.get("TransferSyntaxUID") if ds.file_meta else None
        if ts is not None and ts.is_encapsulated and "PixelData" in ds:
            out.append(p)
    return out


FILES = _encapsulated_files()


def test_corpus_has_compressed_files() -> None:
    assert len(FILES) > 40


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_frames_match_pydicom(path) -> None:  # type: ignore[no-untyped-def]
    from pydicom.encaps import generate_frames

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pds = pydicom.dcmread(path)
        n = int(pds.get("NumberOfFrames", 1) or 1)
        try:
            expected = list(generate_frames(pds.PixelData, number_of_frames=n))
        except Exception as exc:  # pydicom cannot split it either
            pytest.skip(f"pydicom cannot split the frames: {exc}")
    ds = rs_dicom.dcmread(str(path))
    px = ds.pixel_data
    assert px is not None and px.is_encapsulated
    assert px.frames == n
    assert len(px.frame_fragments) == n
    for i, frame in enumerate(expected):
        assert bytes(px.frame_bytes(i)) == frame, f"frame {i} ({px.frame_method})"
    with pytest.raises(IndexError):
        px.frame_bytes(n)


def test_native_frame_bytes() -> None:
    from pydicom.data import get_testdata_file

    path = get_testdata_file("emri_small.dcm")  # 10 frames, 64x64, 16-bit
    pds = pydicom.dcmread(path)
    ds = rs_dicom.dcmread(path)
    px = ds.pixel_data
    assert (px.rows, px.columns, px.frames) == (64, 64, 10)
    assert px.shape == [10, 64, 64] and px.dtype == "uint16"
    frame_len = 64 * 64 * 2
    for i in range(10):
        assert bytes(px.frame_bytes(i)) == pds.PixelData[i * frame_len : (i + 1) * frame_len]
    assert not px.is_encapsulated
    assert rs_dicom.dcmread(path, stop_before_pixels=True).pixel_data is None
