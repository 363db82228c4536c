"""Images in the terminal: 24-bit colour, 256 colours or plain ASCII.

:func:`render` turns an image array into text that a terminal shows as the picture. In colour
modes every character cell is an upper half block ``▀`` whose foreground colour is the top
pixel and whose background colour is the bottom pixel: terminal cells are about twice as tall
as wide, so each half is roughly square. ::

    >>> import numpy as np
    >>> from rs_dicom.terminal import render
    >>> print(render(np.full((4, 4), 255, np.uint8), width=4, mode="ascii"))
    @@@@
    @@@@

Modes:

- ``"truecolor"``: ``ESC[38;2;R;G;Bm`` / ``ESC[48;2;R;G;Bm`` (24-bit colour);
- ``"256"``: the nearest colour of the xterm 256-colour palette (``ESC[38;5;Nm``);
- ``"ascii"``: one character per cell from the ramp ``" .:-=+*#%@"`` (dark to bright, for a
  dark background), no escape sequences at all.

Without an explicit mode, :func:`detect_mode` decides from the environment: ``NO_COLOR`` →
ASCII, ``COLORTERM=truecolor|24bit`` → truecolor, a ``TERM`` naming 256 colours → 256, a
missing or ``dumb`` ``TERM`` → ASCII, other terminals → 256.

The image is resampled to the cell grid by area averaging (each output sample is the mean of
the input pixels it covers, weighted by the covered fraction; in Rust, the same code as the
thumbnails), which keeps thin structures visible when shrinking and makes exact copies when
the sizes match.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from rs_dicom import _core

__all__ = [
    "ASCII_RAMP",
    "Mode",
    "detect_mode",
    "fit_size",
    "print_image",
    "render",
    "resample",
    "rgb_to_256",
    "to_rgb8",
]

Mode = Literal["truecolor", "256", "ascii"]
MODES: tuple[str, ...] = ("truecolor", "256", "ascii")

ASCII_RAMP = " .:-=+*#%@"
"""Characters from dark to bright used by the ASCII mode."""

UPPER_HALF_BLOCK = "\u2580"
RESET = "\x1b[0m"
CELL_ASPECT = 2.0
"""Height / width of a terminal character cell (about 2 in common fonts)."""

# The xterm 256-colour palette: a 6x6x6 colour cube (16-231) and a grey ramp (232-255).
_CUBE_LEVELS = np.array([0, 95, 135, 175, 215, 255])
_GREY_LEVELS = 8 + 10 * np.arange(24)


# --------------------------------------------------------------------------- mode and size


def detect_mode(env: Mapping[str, str] | None = None) -> Mode:
    """The richest mode the terminal described by ``env`` (default: ``os.environ``) shows."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):  # https://no-color.org: any non-empty value
        return "ascii"
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "truecolor"
    term = env.get("TERM", "").lower()
    if term in ("xterm-kitty", "xterm-ghostty", "wezterm", "alacritty", "foot") or term.endswith(
        "-direct"
    ):
        return "truecolor"
    if env.get("TERM_PROGRAM") in ("iTerm.app", "WezTerm", "vscode", "ghostty") or env.get(
        "WT_SESSION"
    ):
        return "truecolor"
    if not term or term == "dumb":
        return "ascii"
    return "256"


def _check_mode(mode: str | None) -> Mode:
    if mode is None:
        return detect_mode()
    if mode not in MODES:
        raise ValueError(f"unknown terminal mode {mode!r}: use one of {', '.join(MODES)}")
    return mode  # type: ignore[return-value]


def fit_size(
    rows: int,
    columns: int,
    *,
    width: int | None = None,
    height: int | None = None,
    aspect: float = 1.0,
    cell_aspect: float = CELL_ASPECT,
    terminal: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """The size in character cells ``(columns, lines)`` for an image of ``rows x columns``.

    ``aspect`` is the height / width of one image pixel (row spacing / column spacing), so
    that the picture keeps its physical proportions. ``width`` and/or ``height`` (in cells)
    bound the result; the aspect is kept within them. With neither, the image fills the
    terminal (``terminal=(columns, lines)``, default ``shutil.get_terminal_size()``) leaving
    one line for the prompt, enlarging small images as well.
    """
    if rows <= 0 or columns <= 0:
        raise ValueError(f"cannot render an empty image ({rows} x {columns})")
    if not aspect > 0 or not np.isfinite(aspect):
        raise ValueError(f"pixel aspect must be a positive number, not {aspect}")
    # Lines per column of output that keep the proportions.
    ratio = rows * aspect / (columns * cell_aspect)
    max_cols: int | None
    max_lines: int | None
    if width is None and height is None:
        cols_avail, lines_avail = terminal or tuple(shutil.get_terminal_size((80, 24)))
        max_cols, max_lines = max(1, cols_avail), max(1, lines_avail - 1)
    else:
        max_cols, max_lines = width, height
    for name, value in (("width", max_cols), ("height", max_lines)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, not {value}")
    if max_cols is not None and (max_lines is None or max_cols * ratio <= max_lines):
        cols = max_cols
        lines = max(1, round(cols * ratio))
    else:
        assert max_lines is not None
        lines = max_lines
        cols = max(1, round(lines / ratio))
        if max_cols is not None:
            cols = min(cols, max_cols)
    return cols, lines


# --------------------------------------------------------------------------- pixels


def resample(image: npt.ArrayLike, rows: int, columns: int) -> np.ndarray:
    """``image`` (H, W) or (H, W, C) resized to ``rows x columns`` by area averaging.

    Returns float64 values (round them for display). Enlarging repeats pixels, blending
    only at fractional borders; equal sizes return the values unchanged.
    """
    data = np.asarray(image, dtype=np.float64)
    if data.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W) or (H, W, C) image, not shape {data.shape}")
    if rows < 1 or columns < 1:
        raise ValueError(f"cannot resample to {rows} x {columns}")
    if data.shape[:2] == (rows, columns):
        return data.copy()
    return np.asarray(_core.resample(data, rows, columns))


def to_rgb8(image: npt.ArrayLike) -> np.ndarray:
    """``image`` as an (H, W, 3) uint8 array.

    uint8 input is used as is (grey repeated in three channels, alpha composited over black);
    other dtypes are scaled from their minimum to their maximum (NaN as black).
    """
    data = np.asarray(image)
    if data.ndim == 3 and data.shape[2] == 1:
        data = data[:, :, 0]
    if data.ndim not in (2, 3) or data.ndim == 3 and data.shape[2] not in (3, 4):
        raise ValueError(
            f"expected an (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA image, not {data.shape}"
        )
    if data.dtype == np.bool_:
        data = data.astype(np.uint8) * 255
    elif data.dtype != np.uint8:
        values = data.astype(np.float64)
        finite = np.isfinite(values)
        low = float(values[finite].min()) if finite.any() else 0.0
        high = float(values[finite].max()) if finite.any() else 0.0
        scale = 255.0 / (high - low) if high > low else 0.0
        values = np.where(finite, (values - low) * scale, 0.0)
        data = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    if data.ndim == 2:
        return np.repeat(data[:, :, np.newaxis], 3, axis=2)
    if data.shape[2] == 4:
        alpha = data[:, :, 3:4].astype(np.float64) / 255.0
        return np.rint(data[:, :, :3] * alpha).astype(np.uint8)
    return data


def rgb_to_256(rgb: npt.ArrayLike) -> np.ndarray:
    """The nearest xterm 256-colour palette index (16-255) of each RGB triple (..., 3)."""
    values = np.asarray(rgb, dtype=np.int32)
    # Nearest cube level per channel (levels are not evenly spaced: 0, 95, 135, ..., 255).
    cube_idx = np.abs(values[..., np.newaxis] - _CUBE_LEVELS).argmin(axis=-1)
    cube = _CUBE_LEVELS[cube_idx]
    cube_code = 16 + 36 * cube_idx[..., 0] + 6 * cube_idx[..., 1] + cube_idx[..., 2]
    grey_idx = np.clip(np.rint((values.mean(axis=-1) - 8) / 10), 0, 23).astype(np.int32)
    grey = _GREY_LEVELS[grey_idx]
    cube_err = ((values - cube) ** 2).sum(axis=-1)
    grey_err = ((values - grey[..., np.newaxis]) ** 2).sum(axis=-1)
    return np.where(grey_err < cube_err, 232 + grey_idx, cube_code)


# --------------------------------------------------------------------------- rendering


def _colour_lines(top: np.ndarray, bottom: np.ndarray, mode: Mode) -> list[str]:
    """Half-block lines; an SGR sequence is only written when the colour changes."""
    if mode == "truecolor":
        fg = [[f"38;2;{r};{g};{b}" for r, g, b in row] for row in top.tolist()]
        bg = [[f"48;2;{r};{g};{b}" for r, g, b in row] for row in bottom.tolist()]
    else:
        fg = [[f"38;5;{n}" for n in row] for row in rgb_to_256(top).tolist()]
        bg = [[f"48;5;{n}" for n in row] for row in rgb_to_256(bottom).tolist()]
    lines = []
    for fg_row, bg_row in zip(fg, bg, strict=True):
        parts: list[str] = []
        last_fg = last_bg = None
        for f, b in zip(fg_row, bg_row, strict=True):
            codes = []
            if f != last_fg:
                codes.append(f)
                last_fg = f
            if b != last_bg:
                codes.append(b)
                last_bg = b
            if codes:
                parts.append(f"\x1b[{';'.join(codes)}m")
            parts.append(UPPER_HALF_BLOCK)
        parts.append(RESET)
        lines.append("".join(parts))
    return lines


def _ascii_lines(rgb: np.ndarray, ramp: str) -> list[str]:
    # Rec. 601 luma in integers, so that grey pixels keep their exact value.
    values = rgb.astype(np.int64)
    grey = (299 * values[..., 0] + 587 * values[..., 1] + 114 * values[..., 2] + 500) // 1000
    index = np.clip(grey * len(ramp) // 256, 0, len(ramp) - 1)
    chars = np.array(list(ramp))
    return ["".join(row) for row in chars[index].tolist()]


def render(
    arr: npt.ArrayLike,
    width: int | None = None,
    height: int | None = None,
    mode: str | None = None,
    aspect: float = 1.0,
    *,
    ramp: str = ASCII_RAMP,
    terminal: tuple[int, int] | None = None,
) -> str:
    """The text that shows ``arr`` in a terminal (lines joined by ``\\n``, no final newline).

    ``arr``: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA, preferably uint8 display values
    (e.g. from ``rs_dicom.display.to_display``); other dtypes are scaled min → max.
    ``width`` / ``height``: the size bound in character cells (columns / lines); default:
    the terminal size (``terminal=(columns, lines)`` to override). ``mode``: ``"truecolor"``,
    ``"256"`` or ``"ascii"``; default: :func:`detect_mode`. ``aspect``: pixel height / width,
    i.e. row spacing / column spacing (DICOM Pixel Spacing ``[0] / [1]``).
    ``ramp``: ASCII characters from dark to bright.
    """
    chosen = _check_mode(mode)
    if not ramp:
        raise ValueError("the ASCII ramp needs at least one character")
    rgb = to_rgb8(arr)
    cols, lines = fit_size(
        rgb.shape[0], rgb.shape[1], width=width, height=height, aspect=aspect, terminal=terminal
    )
    if chosen == "ascii":
        samples = np.clip(np.rint(resample(rgb, lines, cols)), 0, 255)
        return "\n".join(_ascii_lines(samples, ramp))
    samples = np.clip(np.rint(resample(rgb, 2 * lines, cols)), 0, 255).astype(np.uint8)
    return "\n".join(_colour_lines(samples[0::2], samples[1::2], chosen))


def print_image(arr: npt.ArrayLike, **options: Any) -> None:
    """Prints ``arr`` with :func:`render` (same keyword arguments)."""
    print(render(arr, **options))
