"""Modality LUT / rescale, VOI LUT / windowing and the Presentation LUT (pydicom 3's
``apply_modality_lut``, ``apply_voi_lut``, ``apply_voi``, ``apply_windowing``,
``apply_presentation_lut``), computed by the Rust kernels of ``rs_dicom._core``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from rs_dicom import _core
from rs_dicom.display._access import (
    descriptor,
    first,
    little_endian,
    pick,
    raw,
    vr_of,
)


def lut_item_table(item: Any, root: Any) -> tuple[np.ndarray, int, int, int]:
    """(table, first mapped value, entries, bits) of a Modality or VOI LUT item."""
    nr_entries, first_map, bits = descriptor(item, "LUTDescriptor", root)
    data, little, _ = raw(item.get("LUTData"), little_endian(root))
    return _core.lut_table_of(data, nr_entries, bits, little), first_map, nr_entries, bits


def modality_lut(ds: Any) -> dict[str, Any]:
    """The Modality LUT stage of `ds` as keyword arguments of ``_core.render_grey``."""
    seq = ds.get("ModalityLUTSequence")
    if seq:
        table, first_map, nr_entries, _ = lut_item_table(seq[0], ds)
        return {"modality_lut": (table, first_map, nr_entries)}
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        slope = first(ds.get("RescaleSlope"))
        intercept = first(ds.get("RescaleIntercept"))
        return {
            "slope": 1.0 if slope is None else float(slope),
            "intercept": 0.0 if intercept is None else float(intercept),
        }
    return {}


def apply_modality_lut(arr: np.ndarray, ds: Any) -> np.ndarray:
    """Apply the Modality LUT Sequence or Rescale Slope/Intercept to stored values.

    Parameters
    ----------
    arr : numpy.ndarray
        Stored pixel values.
    ds : Dataset
        Dataset with the Modality LUT module.

    Returns
    -------
    numpy.ndarray
        With a (0028,3000) Modality LUT Sequence: the LUT output, ``uint8`` (8 bits per
        entry) or ``uint16``. With Rescale Slope and Intercept: ``float64``. Otherwise `arr`
        unchanged. As pydicom; unlike pydicom, OW LUT Data of big endian datasets and
        8-bit entries packed two per word are decoded, and out-of-range values never wrap.
        Rescale Type (see :func:`rescale_type`) names the output unit, it changes no value.
    """
    stage = modality_lut(ds)
    if "modality_lut" in stage:
        return _core.lut_lookup(arr, *stage["modality_lut"])
    if stage:
        return _core.rescale(arr, stage["slope"], stage["intercept"])
    return arr


apply_rescale = apply_modality_lut


def rescale_type(ds: Any) -> str | None:
    """The unit of the Modality LUT output: Modality LUT Type or Rescale Type.

    ``'HU'`` for CT images that rescale without naming the unit; ``None`` when unknown.
    """
    seq = ds.get("ModalityLUTSequence")
    if seq:
        return seq[0].get("ModalityLUTType") or None
    kind = ds.get("RescaleType")
    if kind:
        return str(kind)
    if "RescaleSlope" in ds and ds.get("Modality") == "CT":
        return "HU"
    return None


def apply_voi_lut(arr: np.ndarray, ds: Any, index: int = 0, prefer_lut: bool = True) -> np.ndarray:
    """Apply the VOI LUT Sequence or the Window Center/Width (pydicom's rules).

    Parameters
    ----------
    arr : numpy.ndarray
        Modality LUT output (see :func:`apply_modality_lut`).
    ds : Dataset
        Dataset with the VOI LUT module.
    index : int
        Which of several windows / VOI LUTs.
    prefer_lut : bool
        When both are present, the VOI LUT Sequence (``True``) or the window (``False``).

    Returns
    -------
    numpy.ndarray
        :func:`apply_voi` output when a VOI LUT Sequence item has LUT Descriptor and LUT
        Data, else :func:`apply_windowing` output when Window Center and Width have values,
        else `arr` unchanged.
    """
    valid_voi = False
    seq = ds.get("VOILUTSequence")
    if seq:
        item = seq[0]
        valid_voi = item.get("LUTDescriptor") is not None and item.get("LUTData") is not None
    valid_window = ds.get("WindowCenter") is not None and ds.get("WindowWidth") is not None
    if valid_voi and (prefer_lut or not valid_window):
        return apply_voi(arr, ds, index)
    if valid_window:
        return apply_windowing(arr, ds, index)
    return arr


def voi_table(ds: Any, index: int) -> tuple[np.ndarray, int, int, int]:
    """(table, first mapped value, entries, bits) of VOI LUT Sequence item `index`."""
    item = ds.get("VOILUTSequence")[index]
    bits = descriptor(item, "LUTDescriptor", ds)[2]
    if bits != 8 and not 10 <= bits <= 16:
        raise NotImplementedError(f"'{bits}' bits per LUT entry is not supported")
    return lut_item_table(item, ds)


def apply_voi(arr: np.ndarray, ds: Any, index: int = 0) -> np.ndarray:
    """Apply item `index` of the (0028,3010) VOI LUT Sequence.

    Returns
    -------
    numpy.ndarray
        ``uint8`` (8 bits per entry) or ``uint16`` (10 to 16); `arr` unchanged when there is
        no VOI LUT Sequence. Float input is truncated to an index, as in pydicom (which
        warns about it; so does this function).
    """
    if not ds.get("VOILUTSequence"):
        return arr
    arr = np.asarray(arr)
    if not np.issubdtype(arr.dtype, np.integer):
        warnings.warn(
            "Applying a VOI LUT on a float input array may give incorrect results", stacklevel=2
        )
    table, first_map, nr_entries, _ = voi_table(ds, index)
    return _core.lut_lookup(arr, table, first_map, nr_entries)


def voi_function(ds: Any) -> str:
    func = ds.get("VOILUTFunction")
    func = first(func) if func is not None else None
    return str(func).strip().upper() if func else "LINEAR"


def _output_range(ds: Any) -> tuple[float, float]:
    """pydicom's windowing output range: stored-value range through the modality LUT."""
    y_min: float
    y_max: float
    seq = ds.get("ModalityLUTSequence")
    bits_stored = int(ds.get("BitsStored"))
    if seq:
        y_min, y_max = 0, 2 ** descriptor(seq[0], "LUTDescriptor", ds)[2] - 1
    elif ds.get("PixelRepresentation") == 0:
        y_min, y_max = 0, 2**bits_stored - 1
    else:
        y_min, y_max = -(2 ** (bits_stored - 1)), 2 ** (bits_stored - 1) - 1
    slope = first(ds.get("RescaleSlope"))
    intercept = first(ds.get("RescaleIntercept"))
    if slope is not None and intercept is not None:
        y_min = y_min * float(slope) + float(intercept)
        y_max = y_max * float(slope) + float(intercept)
    return y_min, y_max


def apply_windowing(arr: np.ndarray, ds: Any, index: int = 0) -> np.ndarray:
    """Apply window `index` of Window Center/Width with the VOI LUT Function.

    LINEAR (default), LINEAR_EXACT or SIGMOID. The output (``float64``) spans the range of
    the stored values after the modality LUT / rescale, as pydicom's does; `arr` comes back
    unchanged when neither Window Center nor Window Width is present. An empty VOI LUT
    Function means LINEAR (pydicom raises).
    """
    if "WindowWidth" not in ds and "WindowCenter" not in ds:
        return arr
    pi = str(ds.get("PhotometricInterpretation") or "").strip()
    if pi not in ("MONOCHROME1", "MONOCHROME2"):
        raise ValueError(
            "When performing a windowing operation only 'MONOCHROME1' and 'MONOCHROME2' are "
            "allowed for (0028,0004) Photometric Interpretation"
        )
    center_v, width_v = ds.get("WindowCenter"), ds.get("WindowWidth")
    if center_v is None or width_v is None:
        raise ValueError("(0028,1050) Window Center and (0028,1051) Window Width need values")
    y_min, y_max = _output_range(ds)
    center, width = pick(center_v, index), pick(width_v, index)
    return _core.window(arr, center, width, voi_function(ds), y_min, y_max)


def apply_presentation_lut(arr: np.ndarray, ds: Any) -> np.ndarray:
    """Apply the Presentation LUT Sequence or Presentation LUT Shape, as pydicom.

    With a (2050,0010) Presentation LUT Sequence `arr` is scaled linearly over its own
    min..max onto the LUT's entries and the P-values returned; with (2050,0020) INVERSE,
    ``arr.max() - arr``; otherwise (IDENTITY or absent) `arr` unchanged.
    """
    seq = ds.get("PresentationLUTSequence")
    if "PresentationLUTSequence" in ds and seq:
        item = seq[0]
        nr_entries, _, bits = descriptor(item, "LUTDescriptor", ds)
        data, little, us = raw(item.get("LUTData"), little_endian(ds))
        is_us = us or vr_of(item["LUTData"]) == "US"
        return _core.presentation_lut(arr, data, nr_entries, bits, little, is_us)
    shape = ds.get("PresentationLUTShape")
    if "PresentationLUTShape" in ds and shape is not None:
        transform = str(shape).strip().upper()
        if transform not in ("IDENTITY", "INVERSE"):
            raise NotImplementedError(
                f"A (2050,0020) 'Presentation LUT Shape' value of '{shape}' is not supported"
            )
        if transform == "INVERSE":
            arr = np.asarray(arr)
            return np.asarray(arr.max() - arr)
    return arr


def _stored_range(ds: Any) -> tuple[int, int]:
    bits = int(ds.get("BitsStored") or ds.get("BitsAllocated") or 16)
    if ds.get("PixelRepresentation") == 1:
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def invert_monochrome1(
    arr: np.ndarray, ds: Any, value_range: tuple[float, float] | None = None
) -> np.ndarray:
    """Invert MONOCHROME1 values so that the minimum shows white: ``lo + hi - arr``.

    Parameters
    ----------
    arr : numpy.ndarray
        Grey values.
    ds : Dataset
        Its Photometric Interpretation decides: anything but MONOCHROME1 returns `arr`.
    value_range : (lo, hi), optional
        The range `arr` can span. Default: the stored-value range (Bits Stored, Pixel
        Representation), right for ``pixel_array``; pass the output range for arrays that
        went through rescale or windowing, ``(0, 255)`` for 8-bit display images.

    Returns
    -------
    numpy.ndarray
        Same dtype as `arr`.
    """
    pi = str(ds.get("PhotometricInterpretation") or "").strip().upper()
    if pi != "MONOCHROME1":
        return arr
    arr = np.asarray(arr)
    lo, hi = value_range if value_range is not None else _stored_range(ds)
    if np.issubdtype(arr.dtype, np.integer):
        out = (np.int64(lo) + np.int64(hi)) - arr.astype(np.int64)
        return out.astype(arr.dtype)
    return (lo + hi) - arr
