"""One frame to an 8-bit picture (``to_display``). rs_dicom datasets go to Rust whole (the
attributes are read there too, as for thumbnails); pydicom datasets and bare arrays have
their attributes read here and the pixels computed by the same Rust pipeline."""

from __future__ import annotations

from typing import Any

import numpy as np

from rs_dicom import _core
from rs_dicom._core import Dataset as _RsDataset
from rs_dicom.display._access import FrameView, descriptor, photometric, pick
from rs_dicom.display.color import convert_color_space
from rs_dicom.display.lut import modality_lut, voi_function, voi_table
from rs_dicom.display.palette import apply_color_lut


def _frame_pixels(ds: Any, frame: int) -> np.ndarray:
    pixel_data = getattr(ds, "pixel_data", None)
    if pixel_data is not None and hasattr(pixel_data, "frame"):
        return np.asarray(pixel_data.frame(frame))
    arr = np.asarray(ds.pixel_array)
    return _select_frame(arr, ds, frame)


def _is_colour(arr: np.ndarray, ds: Any | None) -> bool:
    if ds is not None:
        return int(ds.get("SamplesPerPixel") or 1) > 1
    return arr.ndim == 4 or (arr.ndim == 3 and arr.shape[-1] in (3, 4))


def _select_frame(arr: np.ndarray, ds: Any | None, frame: int) -> np.ndarray:
    single_ndim = 3 if _is_colour(arr, ds) else 2
    if arr.ndim > single_ndim:
        return np.asarray(arr[frame])
    if frame not in (0, -1):
        raise IndexError(f"frame {frame} of a single-frame image")
    return arr


def _window(window: tuple[float, float] | None, view: FrameView) -> tuple[float, float, str] | None:
    if window is not None:
        return float(window[0]), float(window[1]), voi_function(view)
    center, width = view.get("WindowCenter"), view.get("WindowWidth")
    if center is None or width is None:
        return None
    try:
        return pick(center, 0), pick(width, 0), voi_function(view)
    except (ValueError, TypeError, IndexError):
        return None  # an unusable window: fall back to the data range


def _grey(arr: np.ndarray, ds: Any, frame: int, window: tuple[float, float] | None) -> Any:
    view = FrameView(ds, frame)
    stage: dict[str, Any] = modality_lut(view)
    stage["invert"] = photometric(ds) == "MONOCHROME1"
    chosen = _window(window, view)
    if window is None:
        seq = view.get("VOILUTSequence")
        if seq and seq[0].get("LUTDescriptor") is not None and seq[0].get("LUTData") is not None:
            return _core.render_grey(arr, voi_lut=voi_table(view, 0), **stage)
        if chosen is not None:
            try:
                return _core.render_grey(arr, window=chosen, **stage)
            except ValueError:
                pass  # an unusable file window: the data range instead
            return _core.render_grey(arr, **stage)
    return _core.render_grey(arr, window=chosen, **stage)


def to_display(
    ds_or_array: Any,
    frame: int = 0,
    window: tuple[float, float] | None = None,
    ds: Any | None = None,
    *,
    ybr_input: bool = False,
) -> np.ndarray:
    """One frame as an 8-bit picture, with sane defaults.

    Parameters
    ----------
    ds_or_array : Dataset or numpy.ndarray
        A dataset (its ``pixel_data.frame(frame)`` or ``pixel_array`` is used) or the stored
        pixel values (one frame or all of them); then `ds` supplies the metadata, if any.
    frame : int
        Which frame.
    window : (center, width), optional
        Grey images: this window (with the file's VOI LUT Function) instead of the file's.
    ds : Dataset, optional
        The metadata when `ds_or_array` is an array.
    ybr_input : bool
        The array still holds YBR_FULL / YBR_FULL_422 values. Decoders (rs_dicom's and
        pydicom's ``pixel_array``) already return RGB for those, so the default is ``False``.

    Returns
    -------
    numpy.ndarray
        ``uint8``: (rows, cols) for grey images, (rows, cols, 3) for colour ones.

    Notes
    -----
    Grey: modality LUT / rescale (per-frame functional groups honoured), then `window`, else
    the file's first VOI LUT (preferred) or window, else the frame's min..max; MONOCHROME1 is
    inverted. PALETTE COLOR goes through the palette; RGB with more than 8 bits is scaled by
    Bits Stored.
    """
    win = None if window is None else (float(window[0]), float(window[1]))
    if isinstance(ds_or_array, np.ndarray) or not hasattr(ds_or_array, "get"):
        arr = _select_frame(np.asarray(ds_or_array), ds, frame)
        if isinstance(ds, _RsDataset):
            return np.asarray(_core.to_display(ds, frame, win, ybr_input=ybr_input, pixels=arr))
    else:
        ds = ds_or_array
        if isinstance(ds, _RsDataset):
            return np.asarray(_core.to_display(ds, frame, win, ybr_input=ybr_input))
        arr = _frame_pixels(ds, frame)
    pi = photometric(ds) if ds is not None else ""

    if pi == "PALETTE COLOR" and ds is not None:
        rgb = apply_color_lut(arr, ds)[..., :3]
        if rgb.dtype == np.uint8:
            return np.ascontiguousarray(rgb)
        bits = descriptor(ds, "RedPaletteColorLookupTableDescriptor", ds)[2]
        return np.asarray(_core.scale_to_uint8(rgb, bits if bits > 8 else 16))

    if _is_colour(arr, ds):
        bits = arr.dtype.itemsize * 8
        if ds is not None:
            bits = int(ds.get("BitsStored") or bits)
        rgb = np.asarray(_core.scale_to_uint8(arr[..., :3], bits))
        if ybr_input and pi.startswith("YBR_FULL"):
            rgb = convert_color_space(rgb, pi, "RGB")
        return rgb

    if ds is None:
        return np.asarray(_core.render_grey(arr))
    return np.asarray(_grey(arr, ds, frame, win))
