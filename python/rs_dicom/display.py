"""The display pipeline as plain functions over numpy arrays.

Stored values → Modality LUT / rescale → VOI LUT / windowing → Presentation LUT → display,
plus palette colour, YBR ↔ RGB and overlay bitmaps. The numbers follow pydicom 3's
``pydicom.pixels.processing`` and ``pydicom.overlays`` functions of the same names; the
differences (byte order honoured everywhere, no integer wrap-around when indexing LUTs) are
listed in each docstring.

Every function takes an ``rs_dicom.Dataset`` and also, by duck typing, a pydicom ``Dataset``.

>>> from rs_dicom.display import to_display
>>> img = to_display(ds)  # doctest: +SKIP  (rows, cols) or (rows, cols, 3) uint8
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from rs_dicom._core import Dataset as _RsDataset

__all__ = [
    "apply_color_lut",
    "apply_modality_lut",
    "apply_presentation_lut",
    "apply_rescale",
    "apply_voi",
    "apply_voi_lut",
    "apply_windowing",
    "convert_color_space",
    "invert_monochrome1",
    "overlay_array",
    "overlay_groups",
    "overlay_mask",
    "rescale_type",
    "to_display",
]

# Well-known colour palettes (PS3.6 Annex B): pydicom ships them as files, rs_dicom does not.
_WELL_KNOWN_PALETTES = {
    "HOT_IRON": "1.2.840.10008.1.5.1",
    "PET": "1.2.840.10008.1.5.2",
    "HOT_METAL_BLUE": "1.2.840.10008.1.5.3",
    "PET_20_STEP": "1.2.840.10008.1.5.4",
    "SPRING": "1.2.840.10008.1.5.5",
    "SUMMER": "1.2.840.10008.1.5.6",
    "FALL": "1.2.840.10008.1.5.7",  # pydicom 3.0 swaps FALL and WINTER
    "WINTER": "1.2.840.10008.1.5.8",
}

# A segmented palette may not expand beyond this many entries (the largest LUT is 2**16).
_MAX_LUT_ENTRIES = 2**16


# --------------------------------------------------------------------------------------------
# Dataset access (rs_dicom and pydicom alike)


def _little_endian(ds: Any) -> bool:
    """The byte order of the encoding `ds` was read from (little endian when unknown)."""
    if isinstance(ds, _FrameView):
        ds = ds.ds
    if isinstance(ds, _RsDataset):
        return bool(ds.is_little_endian)
    meta = getattr(ds, "file_meta", None)
    enc = getattr(meta, "_tsyntax_encoding", (None, None)) if meta is not None else (None, None)
    if enc[1] is None:
        enc = getattr(ds, "original_encoding", (None, None))
    return True if enc[1] is None else bool(enc[1])


def _vr(elem: Any) -> str:
    vr = getattr(elem, "vr", None)
    if vr is None:
        vr = getattr(elem, "VR", "")
    return str(vr)


def _is_bytes(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


def _nbytes(value: Any) -> int:
    """Length in bytes of OB/OW bytes; twice the count of US values."""
    if isinstance(value, memoryview):
        return value.nbytes
    if _is_bytes(value):
        return len(value)
    return 2 * len(np.atleast_1d(value))


def _first(value: Any) -> Any:
    """The first value of a possibly multi-valued element value."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return value
    return value[0] if len(value) else None


def _pick(value: Any, index: int) -> float:
    """Value `index` of a multi-valued element; a single value whatever `index` (pydicom)."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return float(value)
    if len(value) == 1:
        return float(value[0])
    return float(value[index])


def _descriptor(item: Any, keyword: str, root: Any) -> tuple[int, int, int]:
    """(number of entries, first mapped value, bits per entry) of a LUT Descriptor.

    The first value is always unsigned (0 means 2**16); the second is signed when the VR is
    SS — or, for implicit VR data where rs_dicom reports the "US or SS" alternative as US,
    when Pixel Representation is 1 (as pydicom resolves it).
    """
    desc = list(item.get(keyword))
    nr_entries = int(desc[0]) & 0xFFFF or _MAX_LUT_ENTRIES
    first_map = int(desc[1])
    if (
        first_map >= 0x8000
        and isinstance(root, _RsDataset | _FrameView)
        and _implicit_vr(root)
        and root.get("PixelRepresentation") == 1
    ):
        first_map -= 0x10000
    return nr_entries, first_map, int(desc[2])


def _implicit_vr(ds: Any) -> bool:
    if isinstance(ds, _FrameView):
        ds = ds.ds
    return bool(getattr(ds, "is_implicit_vr", False))


def _words(value: Any, little_endian: bool) -> np.ndarray:
    """OW bytes (in the dataset's byte order) or US values as a uint16 array."""
    if _is_bytes(value):
        raw = np.frombuffer(value, dtype=np.uint8)
        raw = raw[: raw.size // 2 * 2]
        return raw.view("<u2" if little_endian else ">u2").astype(np.uint16)
    return np.asarray(np.atleast_1d(value), dtype=np.int64).astype(np.uint16)


def _packed_bytes(value: Any, little_endian: bool) -> np.ndarray:
    """8-bit entries packed two per 16-bit word, first entry in the low byte."""
    if _is_bytes(value):
        raw = np.frombuffer(value, dtype=np.uint8)
        if little_endian:
            return raw
        if raw.size % 2:
            raw = np.append(raw, np.uint8(0))
        return raw.reshape(-1, 2)[:, ::-1].ravel()
    return _words(value, True).astype("<u2").view(np.uint8)


def _lut_table(item: Any, root: Any, nr_entries: int, bits: int) -> np.ndarray:
    """The LUT Data of a Modality/VOI/Presentation LUT item as uint8 (bits <= 8) or uint16.

    One entry per 16-bit word, as pydicom reads it; when an 8-bit table holds only
    `nr_entries` bytes the entries are packed two per word (low byte first).
    """
    value = item.get("LUTData")
    little = _little_endian(root)
    if bits <= 8:
        nbytes = _nbytes(value)
        if nbytes in (nr_entries, nr_entries + 1) and nbytes < 2 * nr_entries:
            return _packed_bytes(value, little)[:nr_entries]
    table = _words(value, little)[:nr_entries]
    return table.astype(np.uint8) if bits <= 8 else table


def _lookup(arr: np.ndarray, table: np.ndarray, first_map: int, nr_entries: int) -> np.ndarray:
    """``table[clip(arr - first_map, 0, n - 1)]``: values below the first mapped value get the
    first entry, values past the end the last one (computed without integer wrap-around)."""
    last = min(nr_entries, len(table)) - 1
    if last < 0:
        raise ValueError("the LUT Data is empty")
    arr = np.asarray(arr)
    if np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        wide = np.dtype(np.int32 if arr.dtype.itemsize <= 2 else np.int64)
        idx: np.ndarray = np.subtract(arr, first_map, dtype=wide)
        np.clip(idx, 0, last, out=idx)
    else:
        fidx = arr.astype(np.float64) - first_map
        np.clip(fidx, 0, last, out=fidx)
        np.nan_to_num(fidx, copy=False, nan=0.0)
        idx = fidx.astype(np.intp)  # truncation, as pydicom's assignment into an uint array
    return np.asarray(table[idx])


# --------------------------------------------------------------------------------------------
# Modality LUT


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
    seq = ds.get("ModalityLUTSequence")
    if seq:
        item = seq[0]
        nr_entries, first_map, bits = _descriptor(item, "LUTDescriptor", ds)
        table = _lut_table(item, ds, nr_entries, bits)
        return _lookup(arr, table, first_map, nr_entries)
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        slope = _first(ds.get("RescaleSlope"))
        intercept = _first(ds.get("RescaleIntercept"))
        out = np.asarray(arr).astype(np.float64) * (1.0 if slope is None else float(slope))
        out += 0.0 if intercept is None else float(intercept)
        return out
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


# --------------------------------------------------------------------------------------------
# VOI LUT and windowing


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


def _voi_table(ds: Any, index: int) -> tuple[np.ndarray, int, int, int]:
    item = ds.get("VOILUTSequence")[index]
    nr_entries, first_map, bits = _descriptor(item, "LUTDescriptor", ds)
    if bits != 8 and not 10 <= bits <= 16:
        raise NotImplementedError(f"'{bits}' bits per LUT entry is not supported")
    return _lut_table(item, ds, nr_entries, bits), first_map, nr_entries, bits


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
    table, first_map, nr_entries, _ = _voi_table(ds, index)
    return _lookup(arr, table, first_map, nr_entries)


def _voi_function(ds: Any) -> str:
    func = ds.get("VOILUTFunction")
    func = _first(func) if func is not None else None
    return str(func).strip().upper() if func else "LINEAR"


def _output_range(ds: Any) -> tuple[float, float]:
    """pydicom's windowing output range: stored-value range through the modality LUT."""
    y_min: float
    y_max: float
    seq = ds.get("ModalityLUTSequence")
    bits_stored = int(ds.get("BitsStored"))
    if seq:
        y_min, y_max = 0, 2 ** _descriptor(seq[0], "LUTDescriptor", ds)[2] - 1
    elif ds.get("PixelRepresentation") == 0:
        y_min, y_max = 0, 2**bits_stored - 1
    else:
        y_min, y_max = -(2 ** (bits_stored - 1)), 2 ** (bits_stored - 1) - 1
    slope = _first(ds.get("RescaleSlope"))
    intercept = _first(ds.get("RescaleIntercept"))
    if slope is not None and intercept is not None:
        y_min = y_min * float(slope) + float(intercept)
        y_max = y_max * float(slope) + float(intercept)
    return y_min, y_max


def _window(
    arr: np.ndarray, center: float, width: float, function: str, y_min: float, y_max: float
) -> np.ndarray:
    """PS3.3 C.11.2.1.2 / C.11.2.1.3 windowing into [y_min, y_max] (float64), as pydicom."""
    y_range = y_max - y_min
    arr = np.asarray(arr).astype(np.float64)
    if function in ("LINEAR", "LINEAR_EXACT"):
        if function == "LINEAR":
            if width < 1:
                raise ValueError(
                    "The (0028,1051) Window Width must be greater than or equal to 1 for a "
                    "'LINEAR' windowing operation"
                )
            center -= 0.5
            width -= 1
        elif width <= 0:
            raise ValueError(
                "The (0028,1051) Window Width must be greater than 0 for a 'LINEAR_EXACT' "
                "windowing operation"
            )
        below = arr <= (center - width / 2)
        above = arr > (center + width / 2)
        if width > 0:
            out = arr - center
            out /= width
            out += 0.5
            out *= y_range
            out += y_min
        else:
            out = arr
        out[below] = y_min
        out[above] = y_max
        return out
    if function == "SIGMOID":
        if width <= 0:
            raise ValueError(
                "The (0028,1051) Window Width must be greater than 0 for a 'SIGMOID' "
                "windowing operation"
            )
        out = arr - center
        out *= -4
        out /= width
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
        out += 1
        np.divide(y_range, out, out=out)
        out += y_min
        return out
    raise ValueError(f"Unsupported (0028,1056) VOI LUT Function value '{function}'")


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
    return _window(
        arr, _pick(center_v, index), _pick(width_v, index), _voi_function(ds), y_min, y_max
    )


# --------------------------------------------------------------------------------------------
# Presentation LUT, MONOCHROME1


def apply_presentation_lut(arr: np.ndarray, ds: Any) -> np.ndarray:
    """Apply the Presentation LUT Sequence or Presentation LUT Shape, as pydicom.

    With a (2050,0010) Presentation LUT Sequence `arr` is scaled linearly over its own
    min..max onto the LUT's entries and the P-values returned; with (2050,0020) INVERSE,
    ``arr.max() - arr``; otherwise (IDENTITY or absent) `arr` unchanged.
    """
    seq = ds.get("PresentationLUTSequence")
    if "PresentationLUTSequence" in ds and seq:
        item = seq[0]
        nr_entries, _, bits = _descriptor(item, "LUTDescriptor", ds)
        itemsize = 8 if bits <= 8 else 16
        value = item.get("LUTData")
        if _vr(item["LUTData"]) == "US" or not _is_bytes(value):
            lut = _words(value, True)
        elif itemsize == 8:
            lut = _packed_bytes(value, _little_endian(ds))[:nr_entries]
        else:
            lut = _words(value, _little_endian(ds))[:nr_entries]
        if shift := itemsize - bits:
            lut = (lut << shift).astype(lut.dtype) >> shift
        scaled = np.asarray(arr).astype(np.float32)
        scaled -= scaled.min()
        scaled /= scaled.max() / (nr_entries - 1)
        return lut[scaled.astype(np.uint16)]
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


# --------------------------------------------------------------------------------------------
# Palette colour


def _expand_segmented_lut(
    data: Sequence[int],
    byte_indirect: bool,
    little_endian: bool,
    nr_segments: int | None = None,
    last_value: int | None = None,
    depth: int = 0,
) -> list[int]:
    """Expand segmented palette data (PS3.3 C.7.9.2) exactly as pydicom does.

    `data` holds the entries (bytes for 8-bit tables, words for 16-bit ones); an indirect
    segment's offset counts entries of `data`.
    """
    if depth > 8:
        raise ValueError("Segmented palette: indirect segments nest too deep")
    indirect_ii = [3, 2, 1, 0] if little_endian else [2, 3, 0, 1]
    lut: list[int] = []
    offset = 0
    segments_read = 0
    # `offset + 1` allows for a trailing null: every segment is longer than 2 entries
    while offset + 1 < len(data):
        opcode = data[offset]
        length = data[offset + 1]
        offset += 2
        if opcode == 0:  # discrete
            lut.extend(data[offset : offset + length])
            offset += length
        elif opcode == 1:  # linear
            if lut:
                y0 = lut[-1]
            elif last_value is not None:
                y0 = last_value
            else:
                raise ValueError(
                    "Error expanding a segmented palette color lookup table: the first "
                    "segment cannot be a linear segment"
                )
            if offset >= len(data):
                raise ValueError("Segmented palette: truncated linear segment")
            y1 = data[offset]
            offset += 1
            if y0 == y1:
                lut.extend([y1] * length)
            elif length:
                step = (y1 - y0) / length
                vals = np.around(np.linspace(y0 + step, y1, length))
                lut.extend(vals.astype(np.int64).tolist())
        elif opcode == 2:  # indirect
            if not lut:
                raise ValueError(
                    "Error expanding a segmented palette color lookup table: the first "
                    "segment cannot be an indirect segment"
                )
            if byte_indirect:
                ii = [data[offset + vv] for vv in indirect_ii]
                target = (ii[0] << 8 | ii[1]) << 16 | (ii[2] << 8 | ii[3])
                offset += 4
            else:
                target = data[offset + 1] << 16 | data[offset]
                offset += 2
            lut.extend(
                _expand_segmented_lut(
                    data[target:], byte_indirect, little_endian, length, lut[-1], depth + 1
                )
            )
        else:
            raise ValueError(
                f"Error expanding a segmented palette lookup table: unknown segment type '{opcode}'"
            )
        if len(lut) > _MAX_LUT_ENTRIES:
            raise ValueError(f"Segmented palette expands beyond {_MAX_LUT_ENTRIES} entries")
        segments_read += 1
        if segments_read == nr_segments:
            return lut
    return lut


def apply_color_lut(
    arr: np.ndarray, ds: Any | None = None, palette: Any | None = None
) -> np.ndarray:
    """Map PALETTE COLOR indices through the Red/Green/Blue(/Alpha) palette LUTs.

    Parameters
    ----------
    arr : numpy.ndarray
        Stored pixel values (palette indices).
    ds : Dataset, optional
        Dataset with the Palette Color LUT module: (0028,1201-1204) LUT Data or
        (0028,1221-1224) Segmented LUT Data, described by (0028,1101-1103).
    palette : Dataset or str, optional
        Instead of `ds`: a dataset holding a palette (e.g. a well-known palette file read
        with ``rs_dicom.dcmread``). Well-known palette names / UIDs are recognised but not
        bundled: they raise ``NotImplementedError``.

    Returns
    -------
    numpy.ndarray
        ``arr.shape + (3,)`` (or 4 with alpha), ``uint8`` or ``uint16`` per the entry size.
        As pydicom, except that 16-bit LUT Data of big endian datasets is byte-swapped
        (pydicom reads it as little endian) and indices never wrap around.
    """
    if ds is None and palette is None:
        raise ValueError("Either 'ds' or 'palette' is required")
    if palette is not None:
        if isinstance(palette, str):
            name = palette.strip().upper()
            if name in _WELL_KNOWN_PALETTES or palette in _WELL_KNOWN_PALETTES.values():
                raise NotImplementedError(
                    f"The well-known palette '{palette}' is not bundled with rs_dicom: read "
                    "its palette file and pass the dataset as 'palette'"
                )
            raise ValueError(f"Unknown palette '{palette}'")
        ds = palette
    assert ds is not None
    if ds.get("PixelPresentation") in ("MIXED", "COLOR"):
        raise ValueError(
            "Use of this function with the Supplemental Palette Color Lookup Table Module is "
            "not currently supported"
        )
    if "RedPaletteColorLookupTableDescriptor" not in ds:
        raise ValueError("No suitable Palette Color Lookup Table Module found")

    nr_entries, first_map, nominal = _descriptor(ds, "RedPaletteColorLookupTableDescriptor", ds)
    little = _little_endian(ds)
    luts: list[np.ndarray] = []
    colours = ("Red", "Green", "Blue", "Alpha")
    if "RedPaletteColorLookupTableData" in ds:
        values = [ds.get(f"{c}PaletteColorLookupTableData") for c in colours]
        first = values[0]
        nbytes = _nbytes(first)
        actual = nbytes / nr_entries * 8
        for value in values:
            if value is None or _nbytes(value) == 0:
                continue
            if actual == 8:
                luts.append(_packed_bytes(value, little))
            else:
                luts.append(_words(value, little))
    elif "SegmentedRedPaletteColorLookupTableData" in ds:
        actual = nominal
        if nominal not in (8, 16):
            raise ValueError(f"Invalid segmented palette bit depth {nominal}")
        dtype = np.uint8 if nominal == 8 else np.uint16
        for c in colours:
            value = ds.get(f"Segmented{c}PaletteColorLookupTableData")
            if value is None or _nbytes(value) == 0:
                continue
            if nominal == 8:
                entries = np.frombuffer(value, dtype=np.uint8) if _is_bytes(value) else value
            else:
                entries = _words(value, little)
            data = np.asarray(entries).tolist()
            expanded = _expand_segmented_lut(data, nominal == 8, little)
            luts.append(np.asarray(expanded, dtype=np.int64).astype(dtype))
    else:
        raise ValueError("No suitable Palette Color Lookup Table Module found")

    if actual not in (8, 16):
        raise ValueError(
            f"The bit depth of the LUT data '{actual:.1f}' is invalid (only 8 or 16 bits per "
            "entry allowed)"
        )
    if any(len(lut) != len(luts[0]) for lut in luts[1:]):
        raise ValueError("LUT data must be the same length")

    dtype = np.uint8 if actual == 8 else np.uint16
    table = np.stack([lut.astype(dtype) for lut in luts], axis=-1)
    return _lookup(arr, table, first_map, nr_entries)


# --------------------------------------------------------------------------------------------
# Colour spaces

_RGB_TO_YBR = np.asarray(
    [
        [+0.299, -0.299 / 1.772, +0.701 / 1.402],
        [+0.587, -0.587 / 1.772, -0.587 / 1.402],
        [+0.114, +0.886 / 1.772, -0.114 / 1.402],
    ],
    dtype=np.float32,
)
_YBR_TO_RGB = np.asarray(
    [
        [1.000, 1.000, 1.000],
        [0.000, -0.114 * 1.772 / 0.587, 1.772],
        [1.402, -0.299 * 1.402 / 0.587, 0.000],
    ],
    dtype=np.float32,
)


def _rgb_to_ybr(arr: np.ndarray) -> np.ndarray:
    out = np.matmul(arr, _RGB_TO_YBR, dtype=np.float32)
    out += [0.5, 128.5, 128.5]
    np.floor(out, out=out)
    np.clip(out, 0, 255, out=out)
    return np.asarray(out.astype(arr.dtype))


def _ybr_to_rgb(arr: np.ndarray) -> np.ndarray:
    out = arr.astype(np.float32)
    out -= [0, 128, 128]
    np.matmul(out, _YBR_TO_RGB, out=out)
    out += 0.5
    np.floor(out, out=out)
    np.clip(out, 0, 255, out=out)
    return np.asarray(out.astype(arr.dtype))


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
    ybr = ("YBR_FULL", "YBR_FULL_422")
    cur, want = current.strip().upper(), desired.strip().upper()
    if cur not in (*ybr, "RGB") or want not in (*ybr, "RGB"):
        raise NotImplementedError(f"Conversion from {current} to {desired} is not supported.")
    if cur == want or (cur in ybr and want in ybr):
        return arr
    converter = _ybr_to_rgb if cur in ybr else _rgb_to_ybr
    if arr.ndim == 4 and per_frame:
        for idx, frame in enumerate(arr):
            arr[idx] = converter(frame)
        return arr
    return converter(arr)


# --------------------------------------------------------------------------------------------
# Overlays


def overlay_groups(ds: Any) -> list[int]:
    """The groups 0x6000, 0x6002, ... 0x60FE that hold (60xx,3000) Overlay Data."""
    return [g for g in range(0x6000, 0x6100, 2) if (g, 0x3000) in ds]


def _overlay_value(ds: Any, group: int, element: int) -> Any:
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
        "OverlayData": _overlay_value(ds, group, 0x3000),
        "OverlayBitsAllocated": _overlay_value(ds, group, 0x0100),
        "OverlayRows": _overlay_value(ds, group, 0x0010),
        "OverlayColumns": _overlay_value(ds, group, 0x0011),
    }
    missing = [k for k, v in values.items() if v is None]
    if missing:
        raise AttributeError(
            "Unable to convert the overlay data as the following required elements are "
            f"missing from the dataset: {', '.join(missing)}"
        )
    nr_frames = _overlay_value(ds, group, 0x0015)
    nr_frames = 1 if nr_frames is None else int(_first(nr_frames))
    rows, cols = int(values["OverlayRows"]), int(values["OverlayColumns"])
    if nr_frames < 1:
        raise ValueError(
            f"Unable to reshape the overlay array as a value of {nr_frames} for (60xx,0015) "
            "'Number of Frames in Overlay' is invalid."
        )
    nr_pixels = rows * cols * nr_frames
    expected = nr_pixels // 8 + (nr_pixels % 8 > 0)
    data = values["OverlayData"]
    actual = _nbytes(data)
    padded = expected + expected % 2
    if actual < padded:
        if actual == expected:
            warnings.warn("The overlay data length is odd and misses a padding byte.", stacklevel=2)
        else:
            raise ValueError(
                f"The length of the overlay data in the dataset ({actual} bytes) doesn't match "
                f"the expected length ({padded} bytes). The dataset may be corrupted or there "
                "may be an issue with the overlay data handler."
            )
    elif actual > padded:
        warnings.warn(
            f"The length of the overlay data in the dataset ({actual} bytes) indicates it "
            f"contains excess padding. {actual - expected} bytes will be removed from the end "
            "of the data",
            stacklevel=2,
        )
    elem = ds.get((group, 0x3000))
    if _vr(elem) == "OW" and not _little_endian(ds):
        raw = _packed_bytes(data, False)
    else:
        raw = np.frombuffer(data, dtype=np.uint8)
    bits = np.unpackbits(raw[:expected], bitorder="little")[:nr_pixels]
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
        origin_frame = _overlay_value(ds, group, 0x0051)
        k = frame - (int(_first(origin_frame)) - 1 if origin_frame is not None else 0)
        if not 0 <= k < bitmap.shape[0]:
            return mask
        bitmap = bitmap[k]
    origin = _overlay_value(ds, group, 0x0050)
    r0, c0 = (int(origin[0]) - 1, int(origin[1]) - 1) if origin is not None else (0, 0)
    rows, cols = bitmap.shape
    top, left = max(r0, 0), max(c0, 0)
    bottom, right = min(r0 + rows, shape[0]), min(c0 + cols, shape[1])
    if bottom > top and right > left:
        mask[top:bottom, left:right] = bitmap[top - r0 : bottom - r0, left - c0 : right - c0] != 0
    return mask


# --------------------------------------------------------------------------------------------
# One call to an 8-bit picture


class _FrameView:
    """A dataset seen for one frame: Pixel Value Transformation and Frame VOI LUT from the
    per-frame / shared functional groups (enhanced multi-frame IODs) over the top level."""

    _MACROS = {
        "PixelValueTransformationSequence": ("RescaleSlope", "RescaleIntercept", "RescaleType"),
        "FrameVOILUTSequence": ("WindowCenter", "WindowWidth", "VOILUTFunction"),
    }

    def __init__(self, ds: Any, frame: int) -> None:
        self.ds = ds
        self.over: dict[str, Any] = {}
        groups = []
        shared = ds.get("SharedFunctionalGroupsSequence")
        if shared:
            groups.append(shared[0])
        per_frame = ds.get("PerFrameFunctionalGroupsSequence")
        if per_frame and 0 <= frame < len(per_frame):
            groups.append(per_frame[frame])
        for group in groups:
            for macro, keywords in self._MACROS.items():
                items = group.get(macro)
                if not items:
                    continue
                for kw in keywords:
                    if kw in items[0]:
                        self.over[kw] = items[0].get(kw)

    def get(self, key: Any, default: Any = None) -> Any:
        if isinstance(key, str) and key in self.over:
            return self.over[key]
        return self.ds.get(key, default)

    def __contains__(self, key: Any) -> bool:
        return (isinstance(key, str) and key in self.over) or key in self.ds

    def __getitem__(self, key: Any) -> Any:
        return self.ds[key]


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


def _to_uint8(x: np.ndarray) -> np.ndarray:
    out = np.rint(x)
    np.clip(out, 0, 255, out=out)
    return np.asarray(out.astype(np.uint8))


def _scale_bits(arr: np.ndarray, bits: int) -> np.ndarray:
    if arr.dtype == np.uint8 and bits <= 8:
        return arr
    return _to_uint8(arr.astype(np.float64) * (255.0 / (2.0**bits - 1)))


def _minmax(arr: np.ndarray) -> np.ndarray:
    lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
    if not hi > lo:
        return np.zeros(arr.shape, dtype=np.float64)
    out = arr.astype(np.float64) - lo
    out *= 255.0 / (hi - lo)
    return out


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
    if isinstance(ds_or_array, np.ndarray) or not hasattr(ds_or_array, "get"):
        arr = _select_frame(np.asarray(ds_or_array), ds, frame)
    else:
        ds = ds_or_array
        arr = _frame_pixels(ds, frame)
    pi = ""
    if ds is not None:
        pi = str(ds.get("PhotometricInterpretation") or "").strip().upper()

    if pi == "PALETTE COLOR" and ds is not None:
        rgb = apply_color_lut(arr, ds)[..., :3]
        if rgb.dtype == np.uint8:
            return np.ascontiguousarray(rgb)
        bits = _descriptor(ds, "RedPaletteColorLookupTableDescriptor", ds)[2]
        return _scale_bits(rgb, bits if bits > 8 else 16)

    if _is_colour(arr, ds):
        bits = arr.dtype.itemsize * 8
        if ds is not None:
            bits = int(ds.get("BitsStored") or bits)
        rgb = _scale_bits(arr[..., :3], bits)
        if ybr_input and pi.startswith("YBR_FULL"):
            rgb = convert_color_space(rgb, pi, "RGB")
        return np.ascontiguousarray(rgb)

    if ds is None:
        return _to_uint8(_minmax(arr))

    view = _FrameView(ds, frame)
    values = apply_modality_lut(arr, view)
    out: np.ndarray | None = None
    if window is not None:
        center, width = window
        out = _window(values, float(center), float(width), _voi_function(view), 0.0, 255.0)
    else:
        seq = view.get("VOILUTSequence")
        if seq and seq[0].get("LUTDescriptor") is not None and seq[0].get("LUTData") is not None:
            table, first_map, nr_entries, bits = _voi_table(view, 0)
            voi = _lookup(values, table, first_map, nr_entries)
            out = voi.astype(np.float64) * (255.0 / (2.0**bits - 1))
        else:
            center_v, width_v = view.get("WindowCenter"), view.get("WindowWidth")
            if center_v is not None and width_v is not None:
                try:
                    center, width = _pick(center_v, 0), _pick(width_v, 0)
                    out = _window(values, center, width, _voi_function(view), 0.0, 255.0)
                except (ValueError, TypeError, IndexError):
                    out = None  # an unusable window: fall back to the data range
    if out is None:
        out = _minmax(np.asarray(values))
    if pi == "MONOCHROME1":
        out = 255.0 - out
    return _to_uint8(out)
