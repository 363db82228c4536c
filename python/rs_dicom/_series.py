"""Series to volumes: `rs_dicom.series(dir)` lists the series of a folder,
`rs_dicom.read_series(...)` stacks one into a 3-D `Volume`.

Geometry (PS3.3 C.7.6.2): each slice's Image Position (Patient) is the centre of its first
voxel, Image Orientation (Patient) the direction cosines of its rows and columns. Slices are
sorted along the normal (row × column cosines). The affine maps an array index
``(k, i, j, 1)`` (slice, row, column, as ``Volume.array`` is indexed) to DICOM patient
coordinates (LPS, millimetres)::

    affine[:3, 0] = step between consecutive slice positions (the normal × spacing, or its
                    tilted direction for a gantry-tilted series)
    affine[:3, 1] = column cosines × PixelSpacing[0]   (down the rows)
    affine[:3, 2] = row cosines × PixelSpacing[1]      (along a row)
    affine[:3, 3] = position of the first slice

This is the LPS convention of SimpleITK and ITK with the axes reversed to numpy's order
(SimpleITK's ``GetDirection``/``GetSpacing`` are ``(j, i, k)``); nibabel's RAS affines are
this one with the first two rows negated. dicom2nifti's NIfTI (``reorient_nifti=False``) is
``diag(-1, -1, 1, 1) @ affine`` with its first and third columns swapped (indices (column,
row, slice), data ``array.transpose(2, 1, 0)``), its slices reversed where its ascending sort
along the patient axis that varies most runs against the normal; it refuses a gantry-tilted
series unless its orthogonality check is off (then its affine is this one too) or resamples it
(tests/test_series_dicom2nifti.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import rs_dicom

__all__ = ["Volume", "read_series", "series"]

_TOLERANCE = 1e-3
"""Relative tolerance of geometric checks (positions are written as 16-character DS)."""


@dataclass
class Volume:
    """One series as a 3-D array with its geometry."""

    array: np.ndarray
    """``(slices, rows, columns)``; rescale (slope/intercept) applied (float64 then)."""
    affine: np.ndarray
    """4×4: array index ``(k, i, j, 1)`` → patient LPS millimetres (see the module)."""
    spacing: tuple[float, float, float]
    """Millimetres between slices, rows and columns."""
    datasets: list[Any] = field(repr=False)
    """The datasets in slice order (one for an enhanced multi-frame image)."""


def _files(paths_or_dir: Any) -> list[str]:
    from rs_dicom._scan import expand_paths

    return expand_paths(paths_or_dir, True)


def _read_headers(paths: Iterable[str]) -> list[Any]:
    out = []
    for p in paths:
        try:
            out.append(rs_dicom.dcmread(p))
        except rs_dicom.DicomError:
            continue
    return out


def series(directory: Any) -> list[dict[str, Any]]:
    """The series under ``directory``: one dict per Series Instance UID with
    ``SeriesInstanceUID``, ``SeriesNumber``, ``SeriesDescription``, ``Modality`` and
    ``files`` (paths), in series-number order. Files that are not DICOM are left out."""
    found: dict[str, dict[str, Any]] = {}
    for p in _files(directory):
        try:
            ds = rs_dicom.dcmread(p, stop_before_pixels=True)
        except rs_dicom.DicomError:
            continue
        uid = str(ds.get("SeriesInstanceUID", "") or "")
        entry = found.setdefault(
            uid,
            {
                "SeriesInstanceUID": uid,
                "SeriesNumber": ds.get("SeriesNumber"),
                "SeriesDescription": ds.get("SeriesDescription"),
                "Modality": ds.get("Modality"),
                "files": [],
            },
        )
        entry["files"].append(p)
    return sorted(found.values(), key=lambda e: (e["SeriesNumber"] is None, e["SeriesNumber"] or 0))


def _vec(value: Any, n: int, what: str) -> np.ndarray:
    if value is None:
        raise ValueError(f"{what} is missing")
    v = np.asarray([float(x) for x in value], dtype=np.float64)
    if v.shape != (n,):
        raise ValueError(f"{what} has {v.size} values, not {n}")
    return v


def _rescale(ds: Any) -> tuple[float, float]:
    slope = ds.get("RescaleSlope")
    intercept = ds.get("RescaleIntercept")
    return (1.0 if slope is None else float(slope), 0.0 if intercept is None else float(intercept))


def _frame_geometry(
    ds: Any,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]]:
    """(position, orientation, pixel spacing, rescale) per frame of an enhanced image."""
    shared = ds.get("SharedFunctionalGroupsSequence")
    shared = shared[0] if shared else None
    frames = []
    for item in ds.PerFrameFunctionalGroupsSequence:

        def group(name: str, item: Any = item) -> Any:
            for source in (item, shared):
                if source is not None and name in source:
                    return source[name].value[0]
            return None

        pos = group("PlanePositionSequence")
        ori = group("PlaneOrientationSequence")
        meas = group("PixelMeasuresSequence")
        trans = group("PixelValueTransformationSequence")
        if pos is None or ori is None or meas is None:
            raise ValueError("a frame has no plane position, orientation or pixel measures")
        frames.append(
            (
                _vec(pos.get("ImagePositionPatient"), 3, "ImagePositionPatient"),
                _vec(ori.get("ImageOrientationPatient"), 6, "ImageOrientationPatient"),
                _vec(meas.get("PixelSpacing"), 2, "PixelSpacing"),
                _rescale(trans) if trans is not None else (1.0, 0.0),
            )
        )
    return frames


def read_series(paths_or_dir: Any, series_uid: str | None = None) -> Volume:
    """One series as a :class:`Volume`: ``paths_or_dir`` is a folder, a glob or a list of
    files; ``series_uid`` picks a series when there are several. Slices are sorted along the
    normal of Image Orientation (Patient); an enhanced multi-frame image (per-frame functional
    groups) gives a volume of its frames.

    Errors (``ValueError``): several series and no ``series_uid``, mixed orientations, pixel
    spacings or image sizes, two slices at one position. Warnings (``UserWarning``): missing
    slices (a gap that is a multiple of the usual spacing), uneven spacing, gantry tilt (the
    slices step along a direction other than the normal; the affine follows the real step).
    """
    datasets = _read_headers(_files(paths_or_dir))
    uids = sorted({str(ds.get("SeriesInstanceUID", "") or "") for ds in datasets})
    if series_uid is not None:
        datasets = [ds for ds in datasets if str(ds.get("SeriesInstanceUID", "")) == series_uid]
    elif len(uids) > 1:
        raise ValueError(f"{len(uids)} series found; pick one with series_uid= ({', '.join(uids)})")
    if not datasets:
        raise ValueError("no DICOM image of the series found")
    if len(datasets) == 1 and "PerFrameFunctionalGroupsSequence" in datasets[0]:
        ds = datasets[0]
        frames = _frame_geometry(ds)
        pixels = np.asarray(ds.pixel_array)
        if pixels.ndim == 2:
            pixels = pixels[np.newaxis]
        slices = [(f[0], f[1], f[2], f[3], pixels[i]) for i, f in enumerate(frames)]
        sources = [ds]
    else:
        slices = []
        for ds in datasets:
            slices.append(
                (
                    _vec(ds.get("ImagePositionPatient"), 3, "ImagePositionPatient"),
                    _vec(ds.get("ImageOrientationPatient"), 6, "ImageOrientationPatient"),
                    _vec(ds.get("PixelSpacing"), 2, "PixelSpacing"),
                    _rescale(ds),
                    ds,
                )
            )
        sources = None
    return _stack(slices, sources)


def _stack(slices: list[tuple[Any, ...]], sources: list[Any] | None) -> Volume:
    orientation = slices[0][1]
    for s in slices[1:]:
        if not np.allclose(s[1], orientation, atol=_TOLERANCE):
            raise ValueError("mixed orientations: the slices are not parallel")
        if not np.allclose(s[2], slices[0][2], rtol=_TOLERANCE):
            raise ValueError("mixed pixel spacings in the series")
    row, col = orientation[:3], orientation[3:]
    normal = np.cross(row, col)
    order = sorted(range(len(slices)), key=lambda i: float(slices[i][0] @ normal))
    slices = [slices[i] for i in order]
    positions = np.array([s[0] for s in slices])
    distances = positions @ normal
    gaps = np.diff(distances)
    if gaps.size and np.any(gaps < _TOLERANCE):
        raise ValueError("two slices at the same position")
    if gaps.size:
        usual = float(np.median(gaps))
        ratios = gaps / usual
        if np.any(np.abs(ratios - np.round(ratios)) > 0.01) or np.any(ratios < 0.99):
            warnings.warn("uneven slice spacing", UserWarning, stacklevel=3)
        elif np.any(np.round(ratios) > 1):
            missing = int(np.sum(np.round(ratios) - 1))
            warnings.warn(f"{missing} missing slice(s)", UserWarning, stacklevel=3)
        step = (positions[-1] - positions[0]) / (len(slices) - 1)
        if np.linalg.norm(np.cross(step / np.linalg.norm(step), normal)) > _TOLERANCE:
            warnings.warn("gantry tilt: slices step off the normal", UserWarning, stacklevel=3)
        slice_spacing = float(np.linalg.norm(step))
    else:
        step = normal.copy()
        slice_spacing = 1.0
    if sources is None:
        arrays = [np.asarray(s[4].pixel_array) for s in slices]
        datasets = [s[4] for s in slices]
    else:
        arrays = [s[4] for s in slices]
        datasets = sources
    if len({a.shape for a in arrays}) != 1:
        raise ValueError("the slices differ in size")
    rescale = [s[3] for s in slices]
    stacked = np.stack(arrays)
    if any(r != (1.0, 0.0) for r in rescale):
        slope = np.array([r[0] for r in rescale])[:, None, None]
        intercept = np.array([r[1] for r in rescale])[:, None, None]
        stacked = stacked.astype(np.float64) * slope + intercept
    ps = slices[0][2]
    affine = np.eye(4)
    affine[:3, 0] = step if len(slices) > 1 else normal * slice_spacing
    affine[:3, 1] = col * ps[0]
    affine[:3, 2] = row * ps[1]
    affine[:3, 3] = positions[0]
    spacing = (slice_spacing, float(ps[0]), float(ps[1]))
    return Volume(stacked, affine, spacing, datasets)
