"""Pixel data for the subcommands that show or write images (show, export)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rs_dicom.cli._report import PROG

_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def cut_short(ds: Any) -> str | None:
    """The error of pixel data that the file ends inside of, or ``None``.

    The header of such a file reads whole (as in pydicom); the error comes when the pixels
    are asked for."""
    from rs_dicom import DicomError

    for keyword in _PIXEL_KEYWORDS:
        if keyword in ds and ds[keyword].is_truncated:
            try:
                ds.pixel_data  # noqa: B018 - raises the error kept for the pixels
            except DicomError as exc:
                return " ".join(str(exc).split())
    return None


def pixel_frames(ds: Any) -> int:
    """Frames of ``ds``'s pixel data; ``ValueError`` when it has none or is cut short."""
    problem = cut_short(ds)
    if problem is not None:
        raise ValueError(f"pixel data cut short: {problem}; the header reads with '{PROG} meta'")
    pixel_data = ds.pixel_data
    if pixel_data is None:
        raise ValueError("no pixel data in this file")
    return max(1, int(pixel_data.frames))


def frame_index(frame: int, frames: int) -> int:
    """``frame`` (negative: from the end) as an index; ``ValueError`` when out of range."""
    if not -frames <= frame < frames:
        raise ValueError(
            f"no frame {frame}: the image has {frames} frame{'s' if frames != 1 else ''}"
            f" (0-{frames - 1})"
        )
    return frame % frames


def display_image(ds: Any, frame: int, window: Sequence[float] | None) -> Any:
    """The 8-bit display image of one frame (``rs_dicom.display.to_display``)."""
    from rs_dicom.display import to_display

    chosen = None if window is None else (float(window[0]), float(window[1]))
    return to_display(ds, frame=frame, window=chosen)


def frame_values(ds: Any, frame: int) -> Any:
    """The decoded (raw) pixel values of one frame, as ``pixel_array`` has them."""
    import numpy as np

    pixel_data = ds.pixel_data
    if hasattr(pixel_data, "frame"):
        return np.asarray(pixel_data.frame(frame))
    array = np.asarray(ds.pixel_array)
    return array[frame] if pixel_frames(ds) > 1 else array
