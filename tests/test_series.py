"""`rs_dicom.read_series` and `rs_dicom.series` on series written by the suite with rs_dicom's
writer (axial, oblique, gantry-tilted, with gaps, enhanced multi-frame), geometry checked
against SimpleITK (ITK's GDCM series reader) where it is installed."""

from __future__ import annotations

import os
import random
import warnings
from pathlib import Path

import numpy as np
import pytest
import rs_dicom
from pydicom.data import get_testdata_file
from rs_dicom.uid import generate_uid

ROWS, COLS = 16, 12
AXIAL = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]


def _oblique() -> list[float]:
    a = np.deg2rad(20.0)
    row = np.array([np.cos(a), np.sin(a), 0.0])
    col = np.array([0.0, np.cos(0.3), -np.sin(0.3)])
    col -= row * (row @ col)
    col /= np.linalg.norm(col)
    return [round(float(v), 8) for v in (*row, *col)]


def _pixels(k: int) -> np.ndarray:
    rng = np.random.default_rng(k)
    return rng.integers(0, 4000, (ROWS, COLS), dtype=np.uint16)


def write_series(
    folder: Path,
    positions: list[list[float]],
    orientation: list[float],
    *,
    uid: str | None = None,
    slope: float = 2.0,
    intercept: float = -1024.0,
) -> list[np.ndarray]:
    """Slices at ``positions`` written in a shuffled order; the rescaled arrays in order."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = uid or generate_uid()
    expected = []
    order = list(range(len(positions)))
    random.Random(len(positions)).shuffle(order)
    for n, k in enumerate(order):
        ds = rs_dicom.dcmread(get_testdata_file("CT_small.dcm"))
        ds.SeriesInstanceUID = series_uid
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = positions[k]
        ds.ImageOrientationPatient = orientation
        ds.PixelSpacing = [0.75, 0.5]
        ds.RescaleSlope = slope
        ds.RescaleIntercept = intercept
        ds.set_pixel_data(_pixels(k), "MONOCHROME2", 12)
        ds.save_as(folder / f"IM{n:03}.dcm")
    for k in range(len(positions)):
        expected.append(_pixels(k).astype(np.float64) * slope + intercept)
    return expected


def _positions(orientation: list[float], n: int, spacing: float, tilt: float = 0.0) -> list:
    row, col = np.array(orientation[:3]), np.array(orientation[3:])
    normal = np.cross(row, col)
    origin = np.array([-10.0, 20.0, 30.0])
    return [
        [round(float(v), 6) for v in origin + normal * spacing * k + col * tilt * k]
        for k in range(n)
    ]


def _sitk(folder: Path):  # type: ignore[no-untyped-def]
    if os.environ.get("CI") == "true":
        import SimpleITK as sitk
    else:
        sitk = pytest.importorskip("SimpleITK")
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return reader.Execute()


@pytest.mark.parametrize("orientation", [AXIAL, _oblique()], ids=["axial", "oblique"])
def test_volume_matches_simpleitk(tmp_path: Path, orientation: list[float]) -> None:
    expected = write_series(tmp_path, _positions(orientation, 7, 2.5), orientation)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vol = rs_dicom.read_series(tmp_path)
    np.testing.assert_array_equal(vol.array, np.stack(expected))
    assert [int(ds.InstanceNumber) for ds in vol.datasets] == list(range(1, 8))
    assert vol.spacing == pytest.approx((2.5, 0.75, 0.5), abs=1e-5)
    img = _sitk(tmp_path)
    direction = np.array(img.GetDirection()).reshape(3, 3)
    sitk_spacing = np.array(img.GetSpacing())
    # SimpleITK indexes (column, row, slice); the affine's axes are (slice, row, column).
    np.testing.assert_allclose(vol.affine[:3, 3], img.GetOrigin(), atol=1e-4)
    np.testing.assert_allclose(vol.spacing, sitk_spacing[::-1], atol=1e-4)
    np.testing.assert_allclose(vol.affine[:3, :3], (direction * sitk_spacing)[:, ::-1], atol=1e-4)
    sitk = pytest.importorskip("SimpleITK")
    np.testing.assert_allclose(vol.array, sitk.GetArrayFromImage(img), atol=1e-3)


def test_affine_maps_indices_to_positions(tmp_path: Path) -> None:
    o = _oblique()
    positions = _positions(o, 4, 3.0)
    write_series(tmp_path, positions, o)
    vol = rs_dicom.read_series(tmp_path)
    for k, p in enumerate(positions):
        np.testing.assert_allclose(vol.affine @ [k, 0, 0, 1], [*p, 1], atol=1e-4)
    # One voxel along a row moves by the row cosines times the column spacing.
    np.testing.assert_allclose(
        vol.affine @ [0, 0, 1, 1] - vol.affine @ [0, 0, 0, 1],
        [*(np.array(o[:3]) * 0.5), 0],
        atol=1e-6,
    )


def test_gantry_tilt_warns_and_follows_the_positions(tmp_path: Path) -> None:
    positions = _positions(AXIAL, 5, 2.0, tilt=0.5)
    write_series(tmp_path, positions, AXIAL)
    with pytest.warns(UserWarning, match="gantry tilt"):
        vol = rs_dicom.read_series(tmp_path)
    np.testing.assert_allclose(vol.affine @ [4, 0, 0, 1], [*positions[4], 1], atol=1e-4)


def test_missing_and_uneven_slices_warn(tmp_path: Path) -> None:
    positions = _positions(AXIAL, 6, 2.0)
    write_series(tmp_path / "gap", positions[:3] + positions[4:], AXIAL)
    with pytest.warns(UserWarning, match="1 missing slice"):
        rs_dicom.read_series(tmp_path / "gap")
    uneven = [p.copy() for p in positions]
    uneven[2][2] += 0.7
    write_series(tmp_path / "uneven", uneven, AXIAL)
    with pytest.warns(UserWarning, match="uneven"):
        rs_dicom.read_series(tmp_path / "uneven")


def test_mixed_orientations_and_several_series_are_errors(tmp_path: Path) -> None:
    uid = generate_uid()
    write_series(tmp_path / "a", _positions(AXIAL, 3, 2.0), AXIAL, uid=uid)
    write_series(tmp_path / "a" / "o", _positions(_oblique(), 3, 2.0), _oblique(), uid=uid)
    with pytest.raises(ValueError, match="mixed orientations"):
        rs_dicom.read_series(tmp_path / "a")
    write_series(tmp_path / "b", _positions(AXIAL, 3, 2.0), AXIAL)
    other = generate_uid()
    write_series(tmp_path / "b" / "x", _positions(AXIAL, 2, 2.0), AXIAL, uid=other)
    with pytest.raises(ValueError, match="2 series"):
        rs_dicom.read_series(tmp_path / "b")
    vol = rs_dicom.read_series(tmp_path / "b", series_uid=other)
    assert vol.array.shape == (2, ROWS, COLS)
    listed = rs_dicom.series(tmp_path / "b")
    assert sorted(len(s["files"]) for s in listed) == [2, 3]
    assert other in {s["SeriesInstanceUID"] for s in listed}


def test_enhanced_multiframe_gives_the_same_volume(tmp_path: Path) -> None:
    o = _oblique()
    positions = _positions(o, 5, 1.5)
    expected = write_series(tmp_path / "single", positions, o, slope=1.0, intercept=0.0)
    ds = rs_dicom.dcmread(get_testdata_file("CT_small.dcm"))
    frames = []
    order = [3, 0, 4, 1, 2]  # frames stored out of order
    for k in order:
        item = rs_dicom.Dataset()
        pos = rs_dicom.Dataset()
        pos.ImagePositionPatient = positions[k]
        item.PlanePositionSequence = [pos]
        frames.append(item)
    shared = rs_dicom.Dataset()
    ori = rs_dicom.Dataset()
    ori.ImageOrientationPatient = o
    meas = rs_dicom.Dataset()
    meas.PixelSpacing = [0.75, 0.5]
    meas.SliceThickness = 1.5
    shared.PlaneOrientationSequence = [ori]
    shared.PixelMeasuresSequence = [meas]
    ds.SharedFunctionalGroupsSequence = [shared]
    ds.PerFrameFunctionalGroupsSequence = frames
    del ds.RescaleSlope
    del ds.RescaleIntercept
    ds.set_pixel_data(np.stack([_pixels(k) for k in order]), "MONOCHROME2", 12)
    ds.save_as(tmp_path / "enhanced.dcm")
    multi = rs_dicom.read_series(tmp_path / "enhanced.dcm")
    single = rs_dicom.read_series(tmp_path / "single")
    np.testing.assert_array_equal(multi.array, np.stack(expected))
    np.testing.assert_allclose(multi.affine, single.affine, atol=1e-6)
    assert multi.spacing == pytest.approx(single.spacing)
    assert len(multi.datasets) == 1
