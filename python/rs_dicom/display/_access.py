"""Reading display attributes from a dataset: an ``rs_dicom.Dataset`` or, by duck typing, a
pydicom ``Dataset``. Values only: the bytes of LUT, palette and overlay data go to the Rust
kernels as they are, with the byte order of the dataset they come from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rs_dicom._core import Dataset as _RsDataset

# A segmented palette may not expand beyond this many entries (the largest LUT is 2**16).
MAX_LUT_ENTRIES = 2**16


class FrameView:
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


def little_endian(ds: Any) -> bool:
    """The byte order of the encoding `ds` was read from (little endian when unknown)."""
    if isinstance(ds, FrameView):
        ds = ds.ds
    if isinstance(ds, _RsDataset):
        return bool(ds.is_little_endian)
    meta = getattr(ds, "file_meta", None)
    enc = getattr(meta, "_tsyntax_encoding", (None, None)) if meta is not None else (None, None)
    if enc[1] is None:
        enc = getattr(ds, "original_encoding", (None, None))
    return True if enc[1] is None else bool(enc[1])


def implicit_vr(ds: Any) -> bool:
    if isinstance(ds, FrameView):
        ds = ds.ds
    return bool(getattr(ds, "is_implicit_vr", False))


def vr_of(elem: Any) -> str:
    vr = getattr(elem, "vr", None)
    if vr is None:
        vr = getattr(elem, "VR", "")
    return str(vr)


def is_bytes(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


def raw(value: Any, little: bool) -> tuple[Any, bool, bool]:
    """(bytes, little endian, US values) of LUT or palette data: OW/OB bytes as they are, in
    the dataset's byte order; US values (numbers) as little endian 16-bit words."""
    if is_bytes(value):
        return value, little, False
    words = np.asarray(np.atleast_1d(value), dtype=np.int64).astype("<u2")
    return words.tobytes(), True, True


def nbytes(value: Any) -> int:
    """Length in bytes of OB/OW bytes; twice the count of US values."""
    if value is None:
        return 0
    if isinstance(value, memoryview):
        return value.nbytes
    if is_bytes(value):
        return len(value)
    return 2 * len(np.atleast_1d(value))


def first(value: Any) -> Any:
    """The first value of a possibly multi-valued element value."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return value
    return value[0] if len(value) else None


def pick(value: Any, index: int) -> float:
    """Value `index` of a multi-valued element; a single value whatever `index` (pydicom)."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return float(value)
    if len(value) == 1:
        return float(value[0])
    return float(value[index])


def descriptor(item: Any, keyword: str, root: Any) -> tuple[int, int, int]:
    """(number of entries, first mapped value, bits per entry) of a LUT Descriptor.

    The first value is always unsigned (0 means 2**16); the second is signed when the VR is
    SS — or, for implicit VR data where rs_dicom reports the "US or SS" alternative as US,
    when Pixel Representation is 1 (as pydicom resolves it).
    """
    desc = list(item.get(keyword))
    nr_entries = int(desc[0]) & 0xFFFF or MAX_LUT_ENTRIES
    first_map = int(desc[1])
    if (
        first_map >= 0x8000
        and isinstance(root, _RsDataset | FrameView)
        and implicit_vr(root)
        and root.get("PixelRepresentation") == 1
    ):
        first_map -= 0x10000
    return nr_entries, first_map, int(desc[2])


def photometric(ds: Any) -> str:
    return str(ds.get("PhotometricInterpretation") or "").strip().upper()
