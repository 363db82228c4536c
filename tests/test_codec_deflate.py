"""Deflated Image Frame Compression (1.2.840.10008.1.2.8.1) and the clear error for video
transfer syntaxes. Files are built here: frames deflated with zlib (raw RFC 1951)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402

DIFC = "1.2.840.10008.1.2.8.1"


def _deflate(b: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, no zlib header
    return c.compress(b) + c.flush()


def _write(path, frames: list[bytes], ts: str, **attrs) -> None:
    from pydicom.dataset import FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import generate_uid

    # pydicom 3.0 predates the Deflated Image Frame syntax: write as JPEG Baseline, whose UID
    # has the same padded length, and swap the UID bytes afterwards.
    stand_in = "1.2.840.10008.1.2.4.50" if ts == DIFC else ts
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = stand_in
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.66.4"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    for k, v in attrs.items():
        setattr(ds, k, v)
    ds.NumberOfFrames = len(frames)
    ds.PixelData = encapsulate(frames, has_bot=True)
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    if ts == DIFC:
        data = path.read_bytes()
        old = b"1.2.840.10008.1.2.4.50"
        assert data.count(old) == 1
        path.write_bytes(data.replace(old, DIFC.encode() + b"\x00"))


def test_one_bit_segmentation(tmp_path) -> None:
    rng = np.random.default_rng(3)
    seg = (rng.random((4, 13, 11)) > 0.7).astype(np.uint8)  # 143 bits: frames not byte-aligned
    frames = [_deflate(np.packbits(f.ravel(), bitorder="little").tobytes()) for f in seg]
    path = tmp_path / "seg.dcm"
    _write(
        path,
        frames,
        DIFC,
        Rows=13,
        Columns=11,
        SamplesPerPixel=1,
        BitsAllocated=1,
        BitsStored=1,
        HighBit=0,
        PixelRepresentation=0,
        PhotometricInterpretation="MONOCHROME2",
    )
    ds = rs_dicom.dcmread(path)
    np.testing.assert_array_equal(ds.pixel_array, seg)
    np.testing.assert_array_equal(ds.pixel_data.frame(2), seg[2])


@pytest.mark.parametrize("planar", [0, 1])
def test_rgb_and_16_bit(tmp_path, planar: int) -> None:
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, size=(3, 7, 9, 3), dtype=np.uint8)
    frames = [_deflate((f.transpose(2, 0, 1) if planar else f).tobytes()) for f in rgb]
    path = tmp_path / "rgb.dcm"
    _write(
        path,
        frames,
        DIFC,
        Rows=7,
        Columns=9,
        SamplesPerPixel=3,
        BitsAllocated=8,
        BitsStored=8,
        HighBit=7,
        PixelRepresentation=0,
        PhotometricInterpretation="RGB",
        PlanarConfiguration=planar,
    )
    np.testing.assert_array_equal(rs_dicom.dcmread(path).pixel_array, rgb)

    grey = rng.integers(-2000, 2000, size=(2, 16, 16), dtype=np.int16)
    path = tmp_path / "ct.dcm"
    _write(
        path,
        [_deflate(f.astype("<i2").tobytes()) for f in grey],
        DIFC,
        Rows=16,
        Columns=16,
        SamplesPerPixel=1,
        BitsAllocated=16,
        BitsStored=12,
        HighBit=11,
        PixelRepresentation=1,
        PhotometricInterpretation="MONOCHROME2",
    )
    np.testing.assert_array_equal(rs_dicom.dcmread(path).pixel_array, grey)


def test_corrupt_frame_names_frame_and_codec(tmp_path) -> None:
    good = _deflate(bytes(64))
    path = tmp_path / "bad.dcm"
    _write(
        path,
        [good, b"\xff\x00garbage"],
        DIFC,
        Rows=8,
        Columns=8,
        SamplesPerPixel=1,
        BitsAllocated=8,
        BitsStored=8,
        HighBit=7,
        PixelRepresentation=0,
        PhotometricInterpretation="MONOCHROME2",
    )
    ds = rs_dicom.dcmread(path)
    np.testing.assert_array_equal(ds.pixel_data.frame(0), np.zeros((8, 8), np.uint8))
    with pytest.raises(rs_dicom.DicomError, match=r"Deflated Image Frame frame 1: .*byte offset"):
        _ = ds.pixel_array


@pytest.mark.parametrize(
    ("ts", "name"),
    [
        ("1.2.840.10008.1.2.4.100", "MPEG-2"),
        ("1.2.840.10008.1.2.4.102", "H.264"),
        ("1.2.840.10008.1.2.4.107", "HEVC"),
    ],
)
def test_video_is_a_clear_unsupported_error(tmp_path, ts: str, name: str) -> None:
    path = tmp_path / "video.dcm"
    _write(
        path,
        [b"\x00\x00\x01\xb3" + bytes(60)],
        ts,
        Rows=8,
        Columns=8,
        SamplesPerPixel=1,
        BitsAllocated=8,
        BitsStored=8,
        HighBit=7,
        PixelRepresentation=0,
        PhotometricInterpretation="MONOCHROME2",
    )
    ds = rs_dicom.dcmread(path)
    assert ds.pixel_data.frame_bytes(0)[:4] == b"\x00\x00\x01\xb3"
    with pytest.raises(rs_dicom.UnsupportedCodecError, match=f"{name}.*{ts}.*not supported"):
        _ = ds.pixel_array
