"""Clean Pixel Data (PS3.15 E.3.1): the rectangles of the first matching rule are blanked in
every frame and sample, and nothing else changes; an image declaring burned-in annotation
that no rule cleans is refused (by the API and on the command line), never written."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rs_dicom  # noqa: E402
from deid_support import KEY, base_dataset, to_bytes  # noqa: E402
from rs_dicom import cli, deid  # noqa: E402


def _image(frames: int, samples: int, planar: int, bits: int) -> pydicom.Dataset:
    ds = base_dataset()
    rng = np.random.default_rng(7)
    dtype = np.uint8 if bits == 8 else np.uint16
    shape = (frames, 6, 10, samples)
    arr = rng.integers(1, 200, size=shape).astype(dtype)
    ds.Rows, ds.Columns = 6, 10
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = "RGB" if samples == 3 else "MONOCHROME2"
    if samples == 3:
        ds.PlanarConfiguration = planar
    ds.NumberOfFrames = frames
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    ds.Manufacturer = "ACME Imaging"
    ds.BurnedInAnnotation = "YES"
    data = arr.transpose(0, 3, 1, 2) if planar else arr
    ds.PixelData = np.ascontiguousarray(data).tobytes()
    return ds


@pytest.mark.parametrize(
    ("frames", "samples", "planar", "bits"),
    [(1, 1, 0, 16), (3, 1, 0, 8), (2, 3, 0, 8), (2, 3, 1, 8)],
)
def test_rectangles_are_blanked(frames: int, samples: int, planar: int, bits: int) -> None:
    src = _image(frames, samples, planar, bits)
    data = to_bytes(src)  # also gives src its file meta
    before = src.pixel_array.reshape(frames, 6, 10, samples)
    rules = [
        deid.PixelRule(modality="MR", regions=[(0, 0, 10, 6)]),  # not this modality
        deid.PixelRule(
            modality="ct",
            manufacturer="acme",
            rows=6,
            columns=10,
            regions=[(2, 1, 3, 2), (8, 5, 9, 9)],
        ),
    ]
    ds = rs_dicom.dcmread(data)
    out = deid.anonymize(ds, key=KEY, options=("clean_pixel_data",), pixel_rules=rules)
    after = np.asarray(out.pixel_array).reshape(frames, 6, 10, samples)
    mask = np.zeros((6, 10), bool)
    mask[1:3, 2:5] = True
    mask[5:, 8:] = True  # clipped to the image
    assert (after[:, mask] == 0).all()
    np.testing.assert_array_equal(after[:, ~mask], before[:, ~mask])
    assert out.BurnedInAnnotation == "NO"
    codes = [i.CodeValue for i in out.DeidentificationMethodCodeSequence]
    assert "113101" in codes


def test_burned_in_annotation_without_a_rule_is_refused(tmp_path: Path) -> None:
    src = _image(1, 1, 0, 16)
    ds = rs_dicom.dcmread(to_bytes(src))
    with pytest.raises(rs_dicom.DicomError, match="Burned In Annotation"):
        deid.anonymize(ds, key=KEY)
    with pytest.raises(rs_dicom.DicomError, match="no Clean Pixel Data rule"):
        deid.anonymize(
            ds, key=KEY, options=("clean_pixel_data",), pixel_rules=[deid.PixelRule(modality="MR")]
        )
    path = tmp_path / "in" / "burned.dcm"
    path.parent.mkdir()
    path.write_bytes(to_bytes(src))
    out = tmp_path / "out"
    assert (
        cli.main(["anonymize", str(path.parent), "-o", str(out), "--key", str(_key(tmp_path))]) == 1
    )
    assert not (out / "burned.dcm").exists()
    rules = tmp_path / "rules.json"
    rules.write_text('[{"modality": "CT", "regions": [[0, 0, 4, 4]]}]')
    args = [
        "anonymize",
        str(path),
        "-o",
        str(out),
        "--clean-pixel-data",
        "--pixel-rules",
        str(rules),
    ]
    assert cli.main([*args, "--key", str(_key(tmp_path))]) == 0
    done = pydicom.dcmread(out / "burned.dcm")
    assert done.BurnedInAnnotation == "NO" and (done.pixel_array[:4, :4] == 0).all()


def _key(tmp: Path) -> Path:
    k = tmp / "key"
    k.write_bytes(b"0123456789abcdef-pixels")
    return k
