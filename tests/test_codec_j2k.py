"""JPEG 2000 / HTJ2K decoding (OpenJPEG): round trips through independent encoders.

HTJ2K codestreams come from OpenJPH's ``ojph_compress`` (``openjph-tools``), JPEG 2000 from
GDCM's ``gdcmconv --j2k`` (``libgdcm-tools``); both are wrapped in DICOM with pydicom and must
decode back to the original samples exactly. Without the tools these tests skip, except on CI
(``CI=true``) where a missing tool is a failure. Corrupt codestreams must raise DicomError.
"""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from helpers import reference_tool  # noqa: E402
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.encaps import encapsulate  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402

HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
HTJ2K_RPCL = "1.2.840.10008.1.2.4.202"
HTJ2K = "1.2.840.10008.1.2.4.203"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"


_tool = reference_tool


def _image(rows: int, cols: int, bits: int, signed: bool, spp: int = 1, seed: int = 0):
    """A test image using the full range of `bits`, with smooth areas and noise."""
    rng = np.random.default_rng(seed)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    y, x = np.mgrid[0:rows, 0:cols]
    base = (x * 37 + y * 11) % (hi - lo + 1) + lo
    noise = rng.integers(lo, hi, size=(rows, cols), endpoint=True)
    planes = []
    for c in range(spp):
        p = np.where((x // 8 + y // 8 + c) % 3 == 0, noise, np.roll(base, c * 5, axis=1))
        p[0, 0], p[-1, -1] = lo, hi
        planes.append(p)
    arr = np.stack(planes, axis=-1) if spp > 1 else planes[0]
    dtype = {(8, False): np.uint8, (8, True): np.int8, (16, False): np.uint16}.get(
        (8 if bits <= 8 else 16, signed), np.int16
    )
    return arr.astype(dtype)


def _ojph(arr: np.ndarray, bits: int, signed: bool, tmp: Path, extra=()) -> bytes:
    """HTJ2K codestream of `arr` from ojph_compress.

    OpenJPH 0.9's raw reader mangles signed input, so signed images are coded as unsigned
    samples ``v + 2**(bits - 1)`` and the SIZ marker is then flagged signed: a signed component
    has no DC level shift, so the codestream decodes to exactly ``v`` (the same wavelet
    coefficients an encoder would produce from signed input).
    """
    exe = _tool("ojph_compress")
    if signed:
        unsigned = (arr.astype(np.int64) + (1 << (bits - 1))).astype(
            np.uint8 if bits <= 8 else np.uint16
        )
        cs = bytearray(_ojph(unsigned, bits, False, tmp, extra))
        assert cs[:4] == b"\xff\x4f\xff\x51"
        for c in range(arr.shape[2] if arr.ndim == 3 else 1):
            cs[42 + 3 * c] |= 0x80
        return bytes(cs)
    rows, cols = arr.shape[:2]
    out = tmp / "out.j2c"
    if arr.ndim == 3:
        # Binary PPM (big endian when 16-bit).
        src = tmp / "in.ppm"
        maxval = (1 << bits) - 1
        data = arr.astype(">u2" if bits > 8 else "u1").tobytes()
        src.write_bytes(f"P6\n{cols} {rows}\n{maxval}\n".encode() + data)
        args = [exe, "-i", str(src), "-o", str(out)]
    else:
        src = tmp / "in.raw"
        little = arr.astype(arr.dtype.newbyteorder("<"))
        src.write_bytes(little.tobytes())
        args = [
            exe, "-i", str(src), "-o", str(out),
            "-dims", f"{{{cols},{rows}}}", "-num_comps", "1",
            "-signed", "false",
            "-bit_depth", str(bits), "-downsamp", "{1,1}",
        ]  # fmt: skip
    args += ([] if "-reversible" in extra else ["-reversible", "true"]) + list(extra)
    subprocess.run(args, check=True, capture_output=True)
    return out.read_bytes()


def _dataset(arr: np.ndarray, bits: int, signed: bool, frames: int = 1, pi: str | None = None):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    shape = arr.shape[1:] if frames > 1 else arr.shape
    ds.Rows, ds.Columns = shape[:2]
    ds.SamplesPerPixel = shape[2] if len(shape) == 3 else 1
    if ds.SamplesPerPixel == 3:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = pi or ("RGB" if ds.SamplesPerPixel == 3 else "MONOCHROME2")
    ds.BitsAllocated = 8 if bits <= 8 else 16
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = int(signed)
    if frames > 1:
        ds.NumberOfFrames = frames
    return ds


def _write_encapsulated(ds, codestreams, ts: str, path: Path) -> Path:
    ds.file_meta.TransferSyntaxUID = ts
    ds.PixelData = encapsulate(codestreams)
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    return path


def _pydicom_pixels(path: Path) -> np.ndarray | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pydicom.dcmread(path).pixel_array
    except Exception:
        return None


HT_CASES = [
    pytest.param(8, False, 1, id="u8"),
    pytest.param(8, True, 1, id="i8"),
    pytest.param(12, False, 1, id="u12"),
    pytest.param(12, True, 1, id="i12"),
    pytest.param(16, False, 1, id="u16"),
    pytest.param(16, True, 1, id="i16"),
    pytest.param(8, False, 3, id="rgb8"),
    pytest.param(12, False, 3, id="rgb12"),
    pytest.param(16, False, 3, id="rgb16"),
]


@pytest.mark.parametrize(("bits", "signed", "spp"), HT_CASES)
@pytest.mark.parametrize("ts", [HTJ2K_LOSSLESS, HTJ2K_RPCL, HTJ2K])
def test_htj2k_round_trip(tmp_path: Path, bits: int, signed: bool, spp: int, ts: str) -> None:
    arr = _image(67, 45, bits, signed, spp)  # odd sizes: partial code blocks
    cs = _ojph(arr, bits, signed, tmp_path)
    path = _write_encapsulated(_dataset(arr, bits, signed), [cs], ts, tmp_path / "ht.dcm")
    got = rs_dicom.dcmread(str(path)).pixel_array
    assert got.dtype == arr.dtype
    np.testing.assert_array_equal(got, arr)
    expected = _pydicom_pixels(path)
    if expected is not None:
        np.testing.assert_array_equal(got, expected)


def test_htj2k_colour_transform_is_rgb(tmp_path: Path) -> None:
    """RCT-coded RGB labelled YBR_RCT comes out as the original RGB, not converted again."""
    arr = _image(32, 40, 8, False, 3, seed=3)
    cs = _ojph(arr, 8, False, tmp_path, ["-colour_trans", "true"])
    ds = _dataset(arr, 8, False, pi="YBR_RCT")
    path = _write_encapsulated(ds, [cs], HTJ2K_LOSSLESS, tmp_path / "rct.dcm")
    np.testing.assert_array_equal(rs_dicom.dcmread(str(path)).pixel_array, arr)
    cs = _ojph(arr, 8, False, tmp_path, ["-colour_trans", "false"])
    path = _write_encapsulated(_dataset(arr, 8, False), [cs], HTJ2K_LOSSLESS, tmp_path / "n.dcm")
    np.testing.assert_array_equal(rs_dicom.dcmread(str(path)).pixel_array, arr)


def test_htj2k_tiles_and_multiframe(tmp_path: Path) -> None:
    frames = np.stack([_image(70, 90, 12, False, seed=s) for s in range(5)])
    streams = []
    for i, f in enumerate(frames):
        d = tmp_path / str(i)
        d.mkdir()
        streams.append(_ojph(f, 12, False, d, ["-tile_size", "{32,24}", "-num_decomps", "3"]))
    ds = _dataset(frames, 12, False, frames=len(frames))
    path = _write_encapsulated(ds, streams, HTJ2K_LOSSLESS, tmp_path / "mf.dcm")
    rds = rs_dicom.dcmread(str(path))
    np.testing.assert_array_equal(rds.pixel_array, frames)
    np.testing.assert_array_equal(rds.pixel_data.frame(3), frames[3])
    expected = _pydicom_pixels(path)
    if expected is not None:
        np.testing.assert_array_equal(rds.pixel_array, expected)


@pytest.mark.parametrize(("ds_signed", "cs_signed"), [(True, False), (False, True)])
def test_signedness_mismatch_like_pydicom(tmp_path: Path, ds_signed: bool, cs_signed: bool):
    """Pixel Representation disagreeing with the codestream: pydicom's sign correction."""
    arr = _image(20, 24, 12, cs_signed, seed=5)
    cs = _ojph(arr, 12, cs_signed, tmp_path)
    path = _write_encapsulated(
        _dataset(arr, 12, ds_signed), [cs], HTJ2K_LOSSLESS, tmp_path / "s.dcm"
    )
    got = rs_dicom.dcmread(str(path)).pixel_array
    # The 12-bit pattern is kept, read with the dataset's signedness.
    want = arr.astype(np.int64) & 0xFFF
    if ds_signed:
        want = np.where(want >= 2048, want - 4096, want)
    np.testing.assert_array_equal(got.astype(np.int64), want)
    expected = _pydicom_pixels(path)
    if expected is not None:
        np.testing.assert_array_equal(got, expected)


def _gdcm_case(tmp_path: Path, arr: np.ndarray, bits: int, signed: bool) -> None:
    exe = _tool("gdcmconv")
    ds = _dataset(arr, bits, signed)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.PixelData = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    src, dst = tmp_path / "raw.dcm", tmp_path / "j2k.dcm"
    ds.save_as(src, enforce_file_format=True)
    subprocess.run([exe, "--j2k", str(src), str(dst)], check=True, capture_output=True)
    out = rs_dicom.dcmread(str(dst))
    assert out.transfer_syntax_uid == J2K_LOSSLESS
    got = out.pixel_array
    assert got.dtype == arr.dtype
    np.testing.assert_array_equal(got, arr)
    expected = _pydicom_pixels(dst)
    if expected is not None:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("bits", "signed", "spp"),
    [(8, False, 1), (12, False, 1), (16, False, 1), (16, True, 1), (8, False, 3)],
    ids=["u8", "u12", "u16", "i16", "rgb8"],
)
def test_j2k_lossless_gdcm_round_trip(tmp_path: Path, bits: int, signed: bool, spp: int):
    _gdcm_case(tmp_path, _image(61, 53, bits, signed, spp, seed=bits), bits, signed)


def _valid_file(tmp_path: Path) -> tuple[Path, bytes, np.ndarray]:
    arr = _image(33, 31, 12, False, seed=9)
    cs = _ojph(arr, 12, False, tmp_path)
    path = _write_encapsulated(_dataset(arr, 12, False), [cs], HTJ2K_LOSSLESS, tmp_path / "v.dcm")
    return path, cs, arr


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda cs: cs[: len(cs) // 2], id="truncated"),
        pytest.param(lambda cs: cs[:50], id="header-only"),
        pytest.param(lambda cs: b"\x00" * len(cs), id="zeros"),
        pytest.param(lambda cs: cs[:2] + bytes(reversed(cs[2:])), id="reversed"),
        pytest.param(lambda cs: cs[:6] + b"\xff\xff\xff\xff" + cs[10:], id="huge-width"),
        pytest.param(lambda cs: cs[:41] + b"\x09" + cs[42:], id="nine-components"),
        pytest.param(lambda cs: cs[:42] + b"\x40" + cs[43:], id="precision-65"),
    ],
)
def test_corrupt_codestreams_raise(tmp_path: Path, mangle) -> None:
    path, cs, _ = _valid_file(tmp_path)
    ds = pydicom.dcmread(path)
    bad = _write_encapsulated(ds, [mangle(cs)], HTJ2K_LOSSLESS, tmp_path / "bad.dcm")
    with pytest.raises(rs_dicom.DicomError):
        _ = rs_dicom.dcmread(str(bad)).pixel_array


def test_size_mismatch_raises(tmp_path: Path) -> None:
    path, cs, _ = _valid_file(tmp_path)
    ds = pydicom.dcmread(path)
    ds.Rows = ds.Rows + 1
    bad = _write_encapsulated(ds, [cs], HTJ2K_LOSSLESS, tmp_path / "bad.dcm")
    with pytest.raises(rs_dicom.DicomError, match="Rows"):
        _ = rs_dicom.dcmread(str(bad)).pixel_array


def test_random_bytes_never_crash(tmp_path: Path) -> None:
    path, cs, arr = _valid_file(tmp_path)
    ds = pydicom.dcmread(path)
    rng = np.random.default_rng(1)
    for i in range(60):
        data = bytearray(cs)
        for pos in rng.integers(0, len(data), size=1 + i % 8):
            data[pos] = int(rng.integers(0, 256))
        bad = _write_encapsulated(ds, [bytes(data)], HTJ2K_LOSSLESS, tmp_path / f"r{i}.dcm")
        try:
            got = rs_dicom.dcmread(str(bad)).pixel_array
        except rs_dicom.DicomError:
            continue
        assert got.shape == arr.shape


@pytest.mark.parametrize(("bits", "spp"), [(12, 1), (8, 3)], ids=["u12", "rgb8"])
def test_htj2k_lossy_close_to_original(tmp_path: Path, bits: int, spp: int) -> None:
    """Irreversible (9/7) HTJ2K: equal to pydicom (same OpenJPEG), close to the original."""
    y, x = np.mgrid[0:48, 0:56]
    planes = [
        ((np.sin(x / 7 + c) + np.cos(y / 5)) * 0.2 + 0.5) * ((1 << bits) - 1) for c in range(spp)
    ]
    arr = np.stack(planes, axis=-1) if spp > 1 else planes[0]
    arr = arr.astype(np.uint8 if bits <= 8 else np.uint16)
    cs = _ojph(arr, bits, False, tmp_path, ["-reversible", "false", "-qstep", "0.002"])
    path = _write_encapsulated(_dataset(arr, bits, False), [cs], HTJ2K, tmp_path / "lossy.dcm")
    got = rs_dicom.dcmread(str(path)).pixel_array
    assert got.dtype == arr.dtype and got.shape == arr.shape
    diff = np.abs(got.astype(np.int64) - arr.astype(np.int64))
    assert diff.max() <= max(2, (1 << bits) // 100), diff.max()
    expected = _pydicom_pixels(path)
    if expected is not None:
        np.testing.assert_array_equal(got, expected)
