"""`rs_dicom.read_series` against dicom2nifti (the second oracle of issue 15's volumes), on the
axial, oblique and gantry-tilted series tests/test_series.py writes.

The conventions differ, and the mapping is exact:

- rs_dicom's ``Volume.affine`` maps an index ``(slice, row, column)`` to LPS patient
  coordinates (DICOM's), slices sorted along the normal of ImageOrientationPatient.
- dicom2nifti's NIfTI affine maps ``(column, row, slice)`` to RAS, slices sorted by the
  patient axis along which ImagePositionPatient varies most, ascending. So its data is our
  array transposed ``(2, 1, 0)`` (and reversed along the slices when its sort runs against
  the normal), and its affine is ``diag(-1, -1, 1, 1) @ ours @ P`` with ``P`` swapping the
  first and third index (and the slice flip folded in when reversed).
- ``reorient_nifti=True`` (dicom2nifti's default) permutes and flips the axes to LAS; the
  voxel-to-world mapping is then compared voxel by voxel rather than matrix by matrix.
- A gantry-tilted series is refused by default (``NON_CUBICAL_IMAGE/GANTRY_TILT``); with the
  orthogonality check off dicom2nifti keeps the sheared affine (the step between the first and
  last positions), which is what rs_dicom gives too; with resampling on it resamples to an
  orthogonal grid, so only the world extent is comparable.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rs_dicom
from test_series import AXIAL, COLS, ROWS, _oblique, _positions, write_series

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
SWAP = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=float)


def _dicom2nifti() -> Any:
    if os.environ.get("CI") == "true":
        import dicom2nifti
    else:
        dicom2nifti = pytest.importorskip("dicom2nifti")
    return dicom2nifti


@pytest.fixture
def d2n() -> Iterator[Any]:
    """dicom2nifti with its (module-global) settings restored after the test."""
    mod = _dicom2nifti()
    settings = mod.settings
    saved = (settings.validate_orthogonal, settings.resample)
    try:
        yield mod
    finally:
        settings.validate_orthogonal, settings.resample = saved


def _convert(d2n: Any, folder: Path, out: Path, *, reorient: bool) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = d2n.dicom_series_to_nifti(str(folder), str(out), reorient_nifti=reorient)
    return result["NII"]


def _as_nifti(vol: Any) -> tuple[np.ndarray, np.ndarray]:
    """Our volume in dicom2nifti's un-reoriented convention: data (column, row, slice), RAS."""
    return vol.array.transpose(2, 1, 0), LPS_TO_RAS @ vol.affine @ SWAP


def _flip_slices(data: np.ndarray, affine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = data.shape[2]
    flip = np.eye(4)
    flip[2, 2], flip[2, 3] = -1.0, n - 1
    return data[:, :, ::-1], affine @ flip


def _compare_native(vol: Any, nii: Any) -> bool:
    """Asserts equal data and affine; returns whether dicom2nifti's slice order is reversed."""
    data, affine = _as_nifti(vol)
    got = np.asarray(nii.dataobj)
    reversed_ = not np.allclose(nii.affine[:3, 3], affine[:3, 3], atol=1e-4)
    if reversed_:
        data, affine = _flip_slices(data, affine)
    np.testing.assert_allclose(nii.affine, affine, atol=1e-4)
    np.testing.assert_array_equal(got, data)
    zooms = nii.header.get_zooms()[:3]
    np.testing.assert_allclose(zooms, vol.spacing[::-1], atol=1e-4)
    return reversed_


def _world_values(data: np.ndarray, affine: np.ndarray) -> dict[tuple[float, ...], float]:
    idx = np.indices(data.shape).reshape(3, -1)
    world = (affine @ np.vstack([idx, np.ones(idx.shape[1])]))[:3].T
    keys = [tuple(np.round(w, 3)) for w in world]
    return dict(zip(keys, data.reshape(-1).tolist(), strict=True))


# Rows running posterior to anterior: the normal points to the feet, against dicom2nifti's
# ascending sort along z.
FEET_FIRST = [1.0, 0.0, 0.0, 0.0, -1.0, 0.0]


@pytest.mark.parametrize(
    "orientation", [AXIAL, _oblique(), FEET_FIRST], ids=["axial", "oblique", "feet_first"]
)
def test_volume_matches_dicom2nifti(d2n: Any, tmp_path: Path, orientation: list[float]) -> None:
    positions = _positions(orientation, 7, 2.5)
    write_series(tmp_path / "dcm", positions, orientation)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vol = rs_dicom.read_series(tmp_path / "dcm")
    nii = _convert(d2n, tmp_path / "dcm", tmp_path / "native.nii.gz", reorient=False)
    reversed_ = _compare_native(vol, nii)
    # dicom2nifti sorts by the patient axis that varies most, ascending; rs_dicom along the
    # normal: the orders differ exactly when the normal's largest component is negative.
    normal = np.cross(orientation[:3], orientation[3:])
    assert reversed_ == (normal[np.argmax(np.abs(normal))] < 0)
    # The reoriented (LAS) image puts the same value at every world position.
    las = _convert(d2n, tmp_path / "dcm", tmp_path / "las.nii.gz", reorient=True)
    data, affine = _as_nifti(vol)
    assert _world_values(np.asarray(las.dataobj), las.affine) == _world_values(data, affine)


def test_gantry_tilt_against_dicom2nifti(d2n: Any, tmp_path: Path) -> None:
    positions = _positions(AXIAL, 5, 2.0, tilt=0.5)
    write_series(tmp_path / "dcm", positions, AXIAL)
    with pytest.warns(UserWarning, match="gantry tilt"):
        vol = rs_dicom.read_series(tmp_path / "dcm")
    # By default dicom2nifti refuses a tilted series.
    with pytest.raises(d2n.exceptions.ConversionValidationError, match="GANTRY_TILT"):
        _convert(d2n, tmp_path / "dcm", tmp_path / "refused.nii.gz", reorient=False)
    # Without the check it keeps the sheared affine, as rs_dicom does.
    d2n.settings.disable_validate_orthogonal()
    nii = _convert(d2n, tmp_path / "dcm", tmp_path / "sheared.nii.gz", reorient=False)
    assert not _compare_native(vol, nii)
    # With resampling it resamples onto an orthogonal grid (LAS, the slice count kept) that
    # covers the sheared slices' in-plane extent in whole voxels; it spaces the slices by the
    # length of the step between positions (2.06 mm here), not by its component along the
    # normal (2.0 mm, what the tilt leaves between planes), so its last slice lies 0.25 mm
    # above ours.
    d2n.settings.enable_resampling()
    res = _convert(d2n, tmp_path / "dcm", tmp_path / "resampled.nii.gz", reorient=False)
    assert res.shape == (COLS, ROWS + 3, len(positions))  # 2 mm of shear: 3 rows of 0.75
    rot = res.affine[:3, :3] / np.linalg.norm(res.affine[:3, :3], axis=0)
    np.testing.assert_allclose(rot.T @ rot, np.eye(3), atol=1e-6)
    step = np.linalg.norm(vol.affine[:3, 0])
    assert res.header.get_zooms()[:3] == pytest.approx((0.5, 0.75, step), abs=1e-5)
    ijk = np.indices(vol.array.shape).reshape(3, -1)
    ours = LPS_TO_RAS @ vol.affine @ np.vstack([ijk, np.ones(ijk.shape[1])])
    ijk = np.indices(res.shape[:3]).reshape(3, -1)
    theirs = res.affine @ np.vstack([ijk, np.ones(ijk.shape[1])])
    np.testing.assert_allclose(theirs[:2].min(axis=1), ours[:2].min(axis=1), atol=1e-4)
    # Whole voxels from the first corner: the far side reaches ours, overshooting < 1 voxel.
    over = theirs[:2].max(axis=1) - ours[:2].max(axis=1)
    assert np.all(over > -1e-4) and np.all(over < [0.5, 0.75]), over
    assert theirs[2].min() == pytest.approx(ours[2].min(), abs=1e-4)
    assert theirs[2].max() == pytest.approx(ours[2].min() + step * (len(positions) - 1))
