"""Palette colour (pydicom 3's ``apply_color_lut``): plain and segmented Red/Green/Blue
(/Alpha) palette LUTs, read and applied by the Rust kernels of ``rs_dicom._core``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rs_dicom import _core
from rs_dicom.display._access import descriptor, little_endian, nbytes, raw

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

_COLOURS = ("Red", "Green", "Blue", "Alpha")


def _expand_segmented_lut(
    data: Sequence[int], byte_indirect: bool, little_endian: bool
) -> list[int]:
    """Expand segmented palette data (PS3.3 C.7.9.2) exactly as pydicom does.

    `data` holds the entries (bytes for 8-bit tables, words for 16-bit ones); an indirect
    segment's offset counts entries of `data`.
    """
    return list(_core.expand_segmented_lut([int(v) for v in data], byte_indirect, little_endian))


def palette_table(ds: Any) -> tuple[np.ndarray, int, int, int]:
    """(table (entries, 3 or 4), first mapped value, entries, descriptor bits) of `ds`."""
    if ds.get("PixelPresentation") in ("MIXED", "COLOR"):
        raise ValueError(
            "Use of this function with the Supplemental Palette Color Lookup Table Module is "
            "not currently supported"
        )
    if "RedPaletteColorLookupTableDescriptor" not in ds:
        raise ValueError("No suitable Palette Color Lookup Table Module found")
    nr_entries, first_map, bits = descriptor(ds, "RedPaletteColorLookupTableDescriptor", ds)
    if "RedPaletteColorLookupTableData" in ds:
        prefix, segmented = "", False
    elif "SegmentedRedPaletteColorLookupTableData" in ds:
        prefix, segmented = "Segmented", True
    else:
        raise ValueError("No suitable Palette Color Lookup Table Module found")
    little = little_endian(ds)
    channels: list[tuple[Any, bool, bool] | None] = []
    for colour in _COLOURS:
        value = ds.get(f"{prefix}{colour}PaletteColorLookupTableData")
        channels.append(None if nbytes(value) == 0 else raw(value, little))
    table = _core.palette_table(channels, nr_entries, bits, segmented)
    return table, first_map, nr_entries, bits


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
    table, first_map, nr_entries, _ = palette_table(ds)
    return _core.lut_lookup(arr, table, first_map, nr_entries)
