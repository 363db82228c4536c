"""Overlay planes (pydicom 3's ``get_overlay_array``): (60xx,3000) Overlay Data unpacked by
the Rust kernel of ``rs_dicom._core``, and placed on an image."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from rs_dicom import _core
from rs_dicom.display._access import first, little_endian, vr_of


def overlay_groups(ds: Any) -> list[int]:
    """The groups 0x6000, 0x6002, ... 0x60FE that hold (60xx,3000) Overlay Data."""
    return [g for g in range(0x6000, 0x6100, 2) if (g, 0x3000) in ds]


def _value(ds: Any, group: int, element: int) -> Any:
    elem = ds.get((group, element))
    return None if elem is None else elem.value


def overlay_array(ds: Any, group: int = 0x6000) -> np.ndarray:
    """The (`group`,3000) Overlay Data bitmap, as pydicom's ``get_overlay_array``.

    Bits are unpacked little-endian bit order (first pixel in the lowest bit); OW data of big
    endian datasets is first byte-swapped per word (pydicom does not). Trailing padding is
    dropped.

    Returns
    -------
    numpy.ndarray
        ``uint8`` 0/1, (Overlay Rows, Overlay Columns), or (Number of Frames in Overlay,
        rows, columns) when that is more than 1. ``.astype(bool)`` for a mask.
    """
    if not 0x6000 <= group <= 0x60FF:
        raise ValueError(
            "The group part of the 'Overlay Data' element tag must be between 0x6000 and "
            "0x60FF (inclusive)"
        )
    values = {
        "OverlayData": _value(ds, group, 0x3000),
        "OverlayBitsAllocated": _value(ds, group, 0x0100),
        "OverlayRows": _value(ds, group, 0x0010),
        "OverlayColumns": _value(ds, group, 0x0011),
    }
    missing = [k for k, v in values.items() if v is None]
    if missing:
        raise AttributeError(
            "Unable to convert the overlay data as the following required elements are "
            f"missing from the dataset: {', '.join(missing)}"
        )
    nr_frames = _value(ds, group, 0x0015)
    nr_frames = 1 if nr_frames is None else int(first(nr_frames))
    rows, cols = int(values["OverlayRows"]), int(values["OverlayColumns"])
    swap = vr_of(ds.get((group, 0x3000))) == "OW" and not little_endian(ds)
    bits, warning = _core.overlay_bits(values["OverlayData"], rows, cols, nr_frames, swap)
    if warning:
        warnings.warn(warning, stacklevel=2)
    return bits.reshape(nr_frames, rows, cols) if nr_frames > 1 else bits.reshape(rows, cols)


def overlay_mask(
    ds: Any, group: int = 0x6000, frame: int = 0, shape: tuple[int, int] | None = None
) -> np.ndarray:
    """The overlay of `group` placed on image `frame`: a bool mask of the image's shape.

    Overlay Origin (60xx,0050) (1-based row, column; may be negative or past the image) and,
    for multi-frame overlays, Image Frame Origin (60xx,0051) decide where it lands; the parts
    outside the image are cut off. `shape` defaults to (Rows, Columns).
    """
    if shape is None:
        shape = (int(ds.get("Rows")), int(ds.get("Columns")))
    mask = np.zeros(shape, dtype=bool)
    bitmap = overlay_array(ds, group)
    if bitmap.ndim == 3:
        origin_frame = _value(ds, group, 0x0051)
        k = frame - (int(first(origin_frame)) - 1 if origin_frame is not None else 0)
        if not 0 <= k < bitmap.shape[0]:
            return mask
        bitmap = bitmap[k]
    origin = _value(ds, group, 0x0050)
    r0, c0 = (int(origin[0]) - 1, int(origin[1]) - 1) if origin is not None else (0, 0)
    rows, cols = bitmap.shape
    top, left = max(r0, 0), max(c0, 0)
    bottom, right = min(r0 + rows, shape[0]), min(c0 + cols, shape[1])
    if bottom > top and right > left:
        mask[top:bottom, left:right] = bitmap[top - r0 : bottom - r0, left - c0 : right - c0] != 0
    return mask
