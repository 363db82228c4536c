"""Clean Pixel Data (PS3.15 E.3.1) on compressed pixel data: the image is decoded, the
rectangles blanked, and the result stored in the same transfer syntax when that is lossless
(every pixel outside the rectangles exactly as decoded) or, for a lossy source, as native
Explicit VR Little Endian keeping Lossy Image Compression "01" (PS3.3 C.7.6.1.1.5). Sources
are pydicom's test files (made by DCMTK, GDCM and others) and images rs_dicom compresses into
the syntaxes the corpus lacks; pydicom decodes both sides, DCMTK and GDCM read the outputs."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rs_dicom  # noqa: E402
from deid_support import KEY  # noqa: E402
from encode_cases import gdcm_pixels  # noqa: E402
from helpers import reference_tool  # noqa: E402
from rs_dicom import deid  # noqa: E402

EXPLICIT_LE = "1.2.840.10008.1.2.1"
RLE = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"
JPEG_LOSSLESS = "1.2.840.10008.1.2.4.70"
JPEG_LS = "1.2.840.10008.1.2.4.80"
JPEG_LS_NEAR = "1.2.840.10008.1.2.4.81"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
J2K = "1.2.840.10008.1.2.4.91"
HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
HTJ2K = "1.2.840.10008.1.2.4.203"
LOSSY = {JPEG_BASELINE, JPEG_EXTENDED, JPEG_LS_NEAR, J2K, HTJ2K}
# GDCM 3.0 decodes neither HTJ2K nor (reliably) 12-bit extended JPEG.
NOT_GDCM = {HTJ2K_LOSSLESS, HTJ2K}

REGIONS = [(2, 3, 10, 5), (30, 20, 200, 200)]  # the second clipped to the image
RULE = deid.PixelRule(regions=REGIONS)

# Compressed by other implementations (pydicom's test files).
CORPUS = {
    "MR_small_RLE.dcm": RLE,
    "SC_rgb_rle_2frame.dcm": RLE,
    "SC_rgb_jpeg_dcmtk.dcm": JPEG_BASELINE,
    "JPGExtended.dcm": JPEG_EXTENDED,
    "MR_small_jpeg_ls_lossless.dcm": JPEG_LS,
    "JPEGLSNearLossless_16.dcm": JPEG_LS_NEAR,
    "MR_small_jp2klossless.dcm": J2K_LOSSLESS,
    "JPEG2000.dcm": J2K,
}
# Compressed here by rs_dicom from native sources: (source, syntax).
MADE = [
    ("MR_small.dcm", JPEG_LOSSLESS),
    ("SC_rgb.dcm", JPEG_BASELINE),
    ("MR_small.dcm", HTJ2K_LOSSLESS),
    ("MR_small.dcm", HTJ2K),
    ("SC_rgb.dcm", J2K_LOSSLESS),
]


def _mask(shape: tuple[int, ...]) -> np.ndarray:
    rows, cols = shape
    mask = np.zeros((rows, cols), bool)
    for x, y, w, h in REGIONS:
        mask[y : y + h, x : x + w] = True
    return mask


def _frames(arr: np.ndarray, ds: pydicom.Dataset) -> np.ndarray:
    """`arr` as (frames, rows, columns, samples)."""
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    return arr.reshape(frames, ds.Rows, ds.Columns, ds.SamplesPerPixel)


def _source(name: str, syntax: str | None, tmp: Path) -> Path:
    path = Path(get_testdata_file(name))
    if syntax is None:
        return path
    ds = rs_dicom.dcmread(str(path))
    kwargs = {"lossy_step": 0.02} if syntax == HTJ2K else {}
    ds.compress(syntax, **kwargs)
    out = tmp / f"src-{name}"
    ds.save_as(str(out))
    return out


def _check(src: Path, expected_ts: str, tmp: Path) -> None:
    dst = tmp / "out.dcm"
    engine = deid.Anonymizer(key=KEY, options=("clean_pixel_data",), pixel_rules=[RULE])
    engine.anonymize_file(src, dst)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before_ds = pydicom.dcmread(src)
        after_ds = pydicom.dcmread(dst)
        before = _frames(before_ds.pixel_array, before_ds)
        after = _frames(after_ds.pixel_array, after_ds)
    ts = before_ds.file_meta.TransferSyntaxUID
    out_ts = after_ds.file_meta.TransferSyntaxUID
    assert out_ts == (EXPLICIT_LE if ts in LOSSY or ts == JPEG_EXTENDED else ts)
    assert out_ts == expected_ts
    assert after_ds.BurnedInAnnotation == "NO"
    mask = _mask((before_ds.Rows, before_ds.Columns))
    assert (after[:, mask] == 0).all()
    ours = _frames(np.asarray(rs_dicom.dcmread(str(src)).pixel_array), before_ds)
    if ts in LOSSY:
        assert after_ds.LossyImageCompression == "01"
        # Stored as decoded: rs_dicom's decode exactly, pydicom's (another decoder) nearly.
        np.testing.assert_array_equal(after[:, ~mask], ours[:, ~mask])
        diff = np.abs(after[:, ~mask].astype(int) - before[:, ~mask].astype(int))
        assert diff.max() <= 2, diff.max()
    else:
        np.testing.assert_array_equal(after[:, ~mask], before[:, ~mask])
    # The peers read the output: DCMTK parses it, GDCM decodes it to the same pixels.
    dump = subprocess.run(
        [reference_tool("dcmdump"), "-q", str(dst)], capture_output=True, text=True
    )
    assert dump.returncode == 0, dump.stderr
    if out_ts not in NOT_GDCM:
        gdcm = _frames(gdcm_pixels(dst, tmp), after_ds)
        np.testing.assert_array_equal(gdcm, after)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_sources(name: str, tmp_path: Path) -> None:
    ts = CORPUS[name]
    _check(_source(name, None, tmp_path), EXPLICIT_LE if ts in LOSSY else ts, tmp_path)


@pytest.mark.parametrize(("name", "syntax"), MADE, ids=[f"{n}-{s}" for n, s in MADE])
def test_sources_compressed_here(name: str, syntax: str, tmp_path: Path) -> None:
    src = _source(name, syntax, tmp_path)
    _check(src, EXPLICIT_LE if syntax in LOSSY else syntax, tmp_path)


def test_the_in_memory_api_changes_the_transfer_syntax(tmp_path: Path) -> None:
    ds = rs_dicom.dcmread(get_testdata_file("SC_rgb_jpeg_dcmtk.dcm"))
    out = deid.anonymize(ds, key=KEY, options=("clean_pixel_data",), pixel_rules=[RULE])
    assert out.file_meta.TransferSyntaxUID == EXPLICIT_LE
    path = tmp_path / "mem.dcm"
    out.save_as(str(path), enforce_file_format=True)
    back = pydicom.dcmread(path)
    assert back.file_meta.TransferSyntaxUID == EXPLICIT_LE
    arr = _frames(back.pixel_array, back)
    assert (arr[:, _mask((back.Rows, back.Columns))] == 0).all()


def test_without_a_matching_rule_compressed_pixels_are_untouched(tmp_path: Path) -> None:
    src = Path(get_testdata_file("MR_small_RLE.dcm"))
    dst = tmp_path / "out.dcm"
    rule = deid.PixelRule(modality="US", regions=REGIONS)
    deid.Anonymizer(key=KEY, options=("clean_pixel_data",), pixel_rules=[rule]).anonymize_file(
        src, dst
    )
    assert pydicom.dcmread(dst).PixelData == pydicom.dcmread(src).PixelData


def test_undecodable_pixel_data_is_refused(tmp_path: Path) -> None:
    from pydicom.encaps import encapsulate

    src = pydicom.dcmread(get_testdata_file("MR_small_RLE.dcm"))
    src.PixelData = encapsulate([b"\x00" * 64])  # an RLE header naming no segment
    path = tmp_path / "bad.dcm"
    src.save_as(path)
    engine = deid.Anonymizer(key=KEY, options=("clean_pixel_data",), pixel_rules=[RULE])
    with pytest.raises(rs_dicom.DicomError):
        engine.anonymize_file(path, tmp_path / "out.dcm")
    assert not (tmp_path / "out.dcm").exists()
