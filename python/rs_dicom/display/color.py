"""RGB ↔ YBR_FULL / YBR_FULL_422 (pydicom 3's ``convert_color_space``), by the one colour
conversion of rs_dicom, in Rust (the one ``pixel_array`` uses too)."""

from __future__ import annotations

import numpy as np

from rs_dicom import _core

_YBR = ("YBR_FULL", "YBR_FULL_422")


def convert_color_space(
    arr: np.ndarray, current: str, desired: str, per_frame: bool = False
) -> np.ndarray:
    """Convert 8-bit images between RGB and YBR_FULL / YBR_FULL_422 (ITU T.871), as pydicom.

    Parameters
    ----------
    arr : numpy.ndarray
        ``uint8``, shaped (rows, cols, 3) or (frames, rows, cols, 3).
    current, desired : str
        ``'RGB'``, ``'YBR_FULL'`` or ``'YBR_FULL_422'``.
    per_frame : bool
        Convert frame by frame, in place (less memory).

    Returns
    -------
    numpy.ndarray
        ``uint8``, rounded as floor(x + 0.5) and clipped to 0..255.
    """
    arr = np.asarray(arr)
    if arr.dtype != np.dtype("u1"):
        raise ValueError(
            f"Invalid ndarray.dtype '{arr.dtype}' for color space conversion, must be 'uint8' "
            "or an equivalent"
        )
    cur, want = current.strip().upper(), desired.strip().upper()
    if cur not in (*_YBR, "RGB") or want not in (*_YBR, "RGB"):
        raise NotImplementedError(f"Conversion from {current} to {desired} is not supported.")
    if cur == want or (cur in _YBR and want in _YBR):
        return arr
    if arr.shape[-1:] != (3,):
        raise ValueError(f"colour space conversion needs (..., 3) samples, not {arr.shape}")
    if arr.ndim == 4 and per_frame:
        for idx, frame in enumerate(arr):
            arr[idx] = _core.convert_color_space(frame, cur, want)
        return arr
    return np.asarray(_core.convert_color_space(arr, cur, want))
