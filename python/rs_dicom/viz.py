"""Showing DICOM images: matplotlib figures, montages, thumbnails and Jupyter previews.

::

    import rs_dicom
    from rs_dicom import viz

    ds = rs_dicom.dcmread("image.dcm")
    viz.show(ds)                         # grey (or colour) image, physical aspect, titled
    viz.show(ds, window=(40, 400))       # window centre / width
    viz.show(cine)                       # multi-frame: a montage of up to 16 frames
    viz.show(cine, frame=12)             # one frame (frames count from 0)
    viz.slider(cine)                     # Jupyter: a frame slider (needs ipywidgets)
    viz.thumbnail(ds, size=128)          # uint8 array, at most 128 pixels on each side

Pixels are turned into display values by ``rs_dicom.display.to_display`` (modality LUT, VOI
window or LUT, MONOCHROME1 inversion, palettes). The matplotlib functions need matplotlib
(``pip install rs-dicom[viz]``); thumbnails and :func:`dataset_png` (``Dataset._repr_png_``)
need only numpy.

Aspect: Pixel Spacing (0028,0030) is ``[row spacing, column spacing]``, i.e. the height and
the width of a pixel, so images are drawn with ``aspect = row spacing / column spacing``
(Imager Pixel Spacing or Pixel Aspect Ratio when there is no Pixel Spacing).
"""

from __future__ import annotations

import html
import importlib
import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "MAX_MONTAGE_FRAMES",
    "dataset_png",
    "montage",
    "montage_indices",
    "pixel_aspect",
    "show",
    "slider",
    "thumbnail",
    "thumbnail_png",
    "title_text",
]

MAX_MONTAGE_FRAMES = 16
"""``show(ds)`` of a multi-frame dataset draws at most this many evenly spaced frames."""

Window = tuple[float, float]


# --------------------------------------------------------------------------- helpers


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "rs_dicom.viz needs matplotlib to draw figures: pip install rs-dicom[viz] "
            "(or pip install matplotlib)"
        ) from exc
    return plt


def _is_dataset(obj: Any) -> bool:
    return not isinstance(obj, np.ndarray) and hasattr(obj, "pixel_data")


def _get(ds: Any, keyword: str) -> Any:
    try:
        return ds.get(keyword)
    except Exception:
        return None


def _numbers(value: Any) -> list[float]:
    """A DS/IS value (one number or several) as a list of floats; [] when unusable."""
    if value is None or value == "":
        return []
    values = value if isinstance(value, list | tuple) else [value]
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return []


def pixel_aspect(ds: Any) -> float:
    """Height / width of one pixel of ``ds``: Pixel Spacing row / column spacing.

    Falls back to Imager Pixel Spacing, then Pixel Aspect Ratio (vertical / horizontal),
    then 1.0 when none is present or usable.
    """
    for keyword in ("PixelSpacing", "ImagerPixelSpacing", "PixelAspectRatio"):
        values = _numbers(_get(ds, keyword))
        if len(values) >= 2 and values[0] > 0 and values[1] > 0:
            ratio = values[0] / values[1]
            if math.isfinite(ratio):
                return ratio
    return 1.0


def _frame_count(ds: Any) -> int:
    pixel_data = ds.pixel_data
    if pixel_data is None:
        raise ValueError("the dataset has no pixel data")
    return max(1, int(pixel_data.frames))


def _check_frame(frame: int, frames: int) -> int:
    if not -frames <= frame < frames:
        raise IndexError(f"frame {frame} out of range: the image has {frames} frame(s)")
    return frame % frames


def _to_display(obj: Any, frame: int, window: Window | None) -> np.ndarray:
    from rs_dicom.display import to_display

    return np.asarray(to_display(obj, frame=frame, window=window))


def _is_stack(arr: np.ndarray) -> bool:
    """(N, H, W) or (N, H, W, C) frames; (H, W) and (H, W, 3|4) are one image."""
    return arr.ndim == 4 or arr.ndim == 3 and arr.shape[2] not in (3, 4)


def _array_frames(arr: np.ndarray) -> int:
    if arr.ndim not in (2, 3, 4):
        raise ValueError(
            f"expected an image or a stack of frames, not an array of shape {arr.shape}"
        )
    return arr.shape[0] if _is_stack(arr) else 1


def _display_frame(obj: Any, frame: int, window: Window | None) -> np.ndarray:
    """The uint8 display image of frame ``frame`` of a dataset or an array."""
    if _is_dataset(obj):
        return _to_display(obj, _check_frame(frame, _frame_count(obj)), window)
    arr = np.asarray(obj)
    index = _check_frame(frame, _array_frames(arr))
    image = arr[index] if _is_stack(arr) else arr
    if window is not None and image.ndim == 2:
        return _apply_window(image, window)
    if image.dtype == np.uint8:
        return image
    return _to_display(image, 0, None)


def _apply_window(values: np.ndarray, window: Window) -> np.ndarray:
    """The linear VOI window of PS3.3 C.11.2.1.2.1 on plain values, to uint8."""
    center, width = float(window[0]), float(window[1])
    if not width >= 1:
        raise ValueError(f"window width must be at least 1, not {width:g}")
    x = values.astype(np.float64)
    if width == 1:
        y = np.where(x > center - 0.5, 255.0, 0.0)
    else:
        y = ((x - (center - 0.5)) / (width - 1) + 0.5) * 255.0
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


def _frames_of(obj: Any) -> int:
    return _frame_count(obj) if _is_dataset(obj) else _array_frames(np.asarray(obj))


def _window_of(ds: Any, window: Window | None) -> Window | None:
    if window is not None:
        return (float(window[0]), float(window[1]))
    centers = _numbers(_get(ds, "WindowCenter"))
    widths = _numbers(_get(ds, "WindowWidth"))
    if centers and widths:
        return centers[0], widths[0]
    return None


def _date_text(value: str) -> str:
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def title_text(
    ds: Any,
    frame: int | None = None,
    frames: int | None = None,
    window: Window | None = None,
    *,
    shown: Sequence[int] | None = None,
) -> str:
    """The title ``show()`` puts above an image: key metadata, then frame and window.

    Line 1: Patient Name · Modality · Study Date · Series Description (those present).
    Line 2: ``frame i/N`` (counting from 1, as viewers do) or the montage's frames, and
    ``W C/W`` (``window`` or the dataset's first Window Center / Width).
    """
    first: list[str] = []
    if ds is not None:
        for keyword in ("PatientName", "Modality", "StudyDate", "SeriesDescription"):
            value = _get(ds, keyword)
            if value is None:
                continue
            text = " ".join(str(value).split())
            if keyword == "StudyDate":
                text = _date_text(text)
            if text:
                first.append(text)
    second: list[str] = []
    if shown is not None and frames is not None:
        if len(shown) == frames:
            second.append(f"frames 1-{frames}" if frames > 1 else "frame 1/1")
        else:
            second.append(f"{len(shown)} of {frames} frames")
    elif frame is not None and frames is not None:
        second.append(f"frame {frame % frames + 1}/{frames}")
    win = _window_of(ds, window) if ds is not None else window
    if win is not None:
        second.append(f"W {win[0]:g}/{win[1]:g}")
    return "\n".join(part for part in (" · ".join(first), " · ".join(second)) if part)


# --------------------------------------------------------------------------- montage


def montage_indices(frames: int, max_frames: int = MAX_MONTAGE_FRAMES) -> list[int]:
    """At most ``max_frames`` evenly spaced frame indices of ``frames``, first and last
    included."""
    if frames <= 0:
        return []
    if frames <= max_frames:
        return list(range(frames))
    if max_frames <= 1:
        return [0]
    return sorted({round(i * (frames - 1) / (max_frames - 1)) for i in range(max_frames)})


def montage(
    frames: Sequence[npt.ArrayLike] | np.ndarray,
    ncols: int | None = None,
    *,
    gap: int = 0,
    fill: float = 0,
) -> np.ndarray:
    """Tiles equally sized frames in a grid, row by row.

    ``frames``: a sequence of (H, W) or (H, W, C) arrays, or an array (N, H, W[, C]).
    ``ncols``: tiles per row (default ``ceil(sqrt(N))``). ``gap``: pixels between tiles.
    Empty tiles and gaps are ``fill``. Returns an array of shape
    ``(rows * H + (rows - 1) * gap, ncols * W + (ncols - 1) * gap[, C])``, dtype kept.
    """
    tiles = [np.asarray(f) for f in frames]
    if not tiles:
        raise ValueError("montage needs at least one frame")
    shape = tiles[0].shape
    if any(t.shape != shape for t in tiles):
        raise ValueError("montage frames must all have the same shape")
    if len(shape) not in (2, 3):
        raise ValueError(f"montage frames are (H, W) or (H, W, C) arrays, not {shape}")
    count = len(tiles)
    ncols = ncols or math.ceil(math.sqrt(count))
    if ncols < 1 or gap < 0:
        raise ValueError("ncols must be at least 1 and gap not negative")
    ncols = min(ncols, count)
    nrows = math.ceil(count / ncols)
    height, width = shape[:2]
    out_shape = (nrows * height + (nrows - 1) * gap, ncols * width + (ncols - 1) * gap)
    out = np.full(out_shape + shape[2:], fill, dtype=np.result_type(*tiles))
    for n, tile in enumerate(tiles):
        row, col = divmod(n, ncols)
        top, left = row * (height + gap), col * (width + gap)
        out[top : top + height, left : left + width] = tile
    return out


# --------------------------------------------------------------------------- figures


def show(
    ds_or_array: Any,
    frame: int | None = None,
    window: Window | None = None,
    ax: Axes | None = None,
    cmap: str | None = None,
    *,
    aspect: float | None = None,
    max_frames: int = MAX_MONTAGE_FRAMES,
    title: bool = True,
) -> Axes:
    """Draws a DICOM image with matplotlib and returns the Axes.

    ``ds_or_array``: a Dataset, or an array: uint8 display values (shown as they are), raw
    values (scaled min → max by ``to_display``, or through ``window``), (H, W[, 3|4]) one
    image or (N, H, W[, C]) frames.
    ``frame``: the frame to show (from 0); ``None`` shows a single-frame image, or a montage
    of up to ``max_frames`` evenly spaced frames of a multi-frame image. ``window``:
    ``(center, width)``, default the dataset's own windowing. ``ax``: where to draw (default a
    new figure). ``cmap``: colour map of grey images (default ``"gray"``). ``aspect``: pixel
    height / width (default from Pixel Spacing, 1 for arrays). ``title``: add a title with
    Patient Name, Modality, Study Date, Series Description, frame and window.
    """
    plt = _pyplot()
    frames = _frames_of(ds_or_array)
    dataset = ds_or_array if _is_dataset(ds_or_array) else None
    shown: list[int] | None = None
    if frame is None and frames > 1:
        shown = montage_indices(frames, max_frames)
        image = montage([_display_frame(ds_or_array, i, window) for i in shown])
    else:
        frame = _check_frame(0 if frame is None else frame, frames)
        image = _display_frame(ds_or_array, frame, window)
    if aspect is None:
        aspect = pixel_aspect(dataset) if dataset is not None else 1.0
    if ax is None:
        _, ax = plt.subplots()
    grey = image.ndim == 2
    ax.imshow(
        image,
        cmap=(cmap or "gray") if grey else None,
        vmin=0 if grey else None,
        vmax=255 if grey else None,
        aspect=aspect,
    )
    ax.set_axis_off()
    if title:
        # A single-image array has no metadata and no frame number to tell.
        count = frames if dataset is not None or frames > 1 else None
        text = title_text(dataset, frame, count, window, shown=shown)
        if text:
            ax.set_title(text, fontsize="medium")
    return ax


def slider(
    ds: Any,
    window: Window | None = None,
    *,
    size: int = 512,
) -> Any:
    """A frame slider for Jupyter: an ipywidgets box with the title, the image and a slider.

    Moving the slider decodes and draws that frame (a PNG of at most ``size`` pixels, with
    the physical aspect). Without ipywidgets (``pip install ipywidgets``) this warns and
    falls back to ``show(ds)``: a montage of the frames. Returns the widget (or the Axes).
    """
    try:
        widgets: Any = importlib.import_module("ipywidgets")
    except ImportError:
        warnings.warn(
            "rs_dicom.viz.slider needs ipywidgets (pip install ipywidgets): "
            "showing a montage of the frames instead",
            stacklevel=2,
        )
        return show(ds, window=window)
    frames = _frames_of(ds)
    dataset = ds if _is_dataset(ds) else None

    def label(i: int) -> str:
        return html.escape(title_text(dataset, i, frames, window)).replace("\n", "<br>")

    image = widgets.Image(value=thumbnail_png(ds, size, frame=0, window=window), format="png")
    caption = widgets.HTML(value=label(0))
    control = widgets.IntSlider(
        value=0, min=0, max=frames - 1, step=1, description="frame", continuous_update=True
    )

    def redraw(change: dict[str, Any]) -> None:
        i = int(change["new"])
        image.value = thumbnail_png(ds, size, frame=i, window=window)
        caption.value = label(i)

    control.observe(redraw, names="value")
    return widgets.VBox([caption, image, control])


# --------------------------------------------------------------------------- thumbnails


def thumbnail(
    ds_or_array: Any,
    size: int = 256,
    *,
    frame: int = 0,
    window: Window | None = None,
    aspect: float | None = None,
) -> np.ndarray:
    """A small uint8 display image: at most ``size`` pixels high and wide, never enlarged.

    The physical aspect (Pixel Spacing) is applied, so non-square pixels come out square;
    shrinking averages areas. (rows, cols) grey or (rows, cols, 3) colour, like to_display.
    """
    from rs_dicom._core import shrink_image

    if size < 1:
        raise ValueError(f"thumbnail size must be at least 1, not {size}")
    image = _display_frame(ds_or_array, frame, window)
    if aspect is None:
        aspect = pixel_aspect(ds_or_array) if _is_dataset(ds_or_array) else 1.0
    return np.asarray(shrink_image(np.asarray(image, dtype=np.uint8), size, aspect))


def thumbnail_png(
    ds_or_array: Any,
    size: int = 256,
    *,
    frame: int = 0,
    window: Window | None = None,
) -> bytes:
    """:func:`thumbnail` encoded as PNG bytes (for Jupyter and HTML).

    For an ``rs_dicom.Dataset`` the whole way (decoding, display, shrinking, PNG) is
    ``rs_dicom._core.thumbnail_png``, in Rust.
    """
    from rs_dicom._core import Dataset
    from rs_dicom._core import thumbnail_png as rust_thumbnail_png
    from rs_dicom.png import encode_png

    if isinstance(ds_or_array, Dataset):
        if size < 1:
            raise ValueError(f"thumbnail size must be at least 1, not {size}")
        index = _check_frame(frame, _frame_count(ds_or_array))
        win = None if window is None else (float(window[0]), float(window[1]))
        return bytes(rust_thumbnail_png(ds_or_array, size, index, win))
    return encode_png(thumbnail(ds_or_array, size, frame=frame, window=window))


def dataset_png(ds: Any, *, size: int = 512) -> bytes | None:
    """PNG bytes of the first frame for ``Dataset._repr_png_`` (at most ``size`` pixels).

    ``None`` when the dataset has no pixel data or it cannot be decoded, so that Jupyter
    falls back to the other representations; never raises.
    """
    try:
        if getattr(ds, "pixel_data", None) is None:
            return None
        return thumbnail_png(ds, size)
    except Exception:
        return None
