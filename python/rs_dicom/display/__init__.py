"""The display pipeline as plain functions over numpy arrays.

Stored values → Modality LUT / rescale → VOI LUT / windowing → Presentation LUT → display,
plus palette colour, YBR ↔ RGB and overlay bitmaps. The numbers follow pydicom 3's
``pydicom.pixels.processing`` and ``pydicom.overlays`` functions of the same names; the
differences (byte order honoured everywhere, no integer wrap-around when indexing LUTs) are
listed in each docstring. The arithmetic is done once, in Rust (``rs_dicom._core``); these
modules read the attributes and call it.

Every function takes an ``rs_dicom.Dataset`` and also, by duck typing, a pydicom ``Dataset``.

>>> from rs_dicom.display import to_display
>>> img = to_display(ds)  # doctest: +SKIP  (rows, cols) or (rows, cols, 3) uint8
"""

from __future__ import annotations

from rs_dicom.display.color import convert_color_space
from rs_dicom.display.lut import (
    _output_range,
    apply_modality_lut,
    apply_presentation_lut,
    apply_rescale,
    apply_voi,
    apply_voi_lut,
    apply_windowing,
    invert_monochrome1,
    rescale_type,
)
from rs_dicom.display.overlay import overlay_array, overlay_groups, overlay_mask
from rs_dicom.display.palette import (
    _WELL_KNOWN_PALETTES,
    _expand_segmented_lut,
    apply_color_lut,
)
from rs_dicom.display.render import to_display

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

# Private names the tests compare against pydicom with.
_PRIVATE = (_WELL_KNOWN_PALETTES, _expand_segmented_lut, _output_range)
