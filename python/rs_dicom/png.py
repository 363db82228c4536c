"""A small PNG writer (in Rust: ``rs_dicom._core.encode_png``) and reader (zlib + numpy).

Writes what rs_dicom renders and exports: 8-bit grey ``(H, W)``, RGB ``(H, W, 3)`` and RGBA
``(H, W, 4)`` images, and 16-bit grey ``(H, W)`` images (raw pixel values); 16-bit RGB/RGBA and
grey + alpha ``(H, W, 2)`` work too. Reads the same formats back (non-interlaced, all five
filter types), plus palette and 1/2/4-bit grey images, which it expands::

    >>> import numpy as np
    >>> from rs_dicom.png import decode_png, encode_png
    >>> image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    >>> bool((decode_png(encode_png(image)) == image).all())
    True

Each row is filtered with the PNG filter type (0-4) that gives the smallest sum of absolute
differences, the heuristic the PNG specification recommends (the ``png`` crate's adaptive
filter); image data is split into IDAT chunks of 1 MiB; chunk CRCs are checked on reading.
"""

from __future__ import annotations

import os
import struct
import zlib
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from rs_dicom import _core

__all__ = ["decode_png", "encode_png", "read_png", "write_png"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"

# PNG colour types by number of channels, and back.
_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# A decoded image larger than this is refused (a PNG header is a claim, not a size to allocate).
MAX_PIXELS = 1 << 28


# --------------------------------------------------------------------------- writing


def _as_image(arr: Any) -> np.ndarray:
    """``arr`` as a C-contiguous (H, W, C) uint8 or uint16 array (native byte order)."""
    image = np.asarray(arr)
    if image.dtype == np.bool_:
        image = image.astype(np.uint8) * 255
    if image.dtype not in (np.uint8, np.uint16):
        raise TypeError(
            f"PNG images are uint8 or uint16 arrays, not {image.dtype}; "
            "scale the values first (e.g. with rs_dicom.display.to_display)"
        )
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    if image.ndim != 3 or image.shape[2] not in _COLOR_TYPE:
        raise ValueError(
            f"cannot write an array of shape {image.shape} as PNG: "
            "expected (H, W) grey, (H, W, 2) grey + alpha, (H, W, 3) RGB or (H, W, 4) RGBA"
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"cannot write an empty image (shape {image.shape}) as PNG")
    if image.shape[0] >= 1 << 31 or image.shape[1] >= 1 << 31:
        raise ValueError(f"image of shape {image.shape} is too large for PNG")
    return np.ascontiguousarray(image, dtype=image.dtype.newbyteorder("="))


def encode_png(arr: npt.ArrayLike, *, compress_level: int = 6) -> bytes:
    """The bytes of a PNG file holding ``arr``.

    ``arr`` is uint8 or uint16, shaped ``(H, W)`` (grey), ``(H, W, 2)`` (grey + alpha),
    ``(H, W, 3)`` (RGB) or ``(H, W, 4)`` (RGBA); bool arrays are written as 0/255 grey.
    uint16 arrays give 16-bit PNGs (e.g. raw 12- or 16-bit pixel values).
    """
    image = _as_image(arr)
    return bytes(_core.encode_png(image, compress_level))


def write_png(
    path_or_file: str | os.PathLike[str] | IO[bytes], arr: npt.ArrayLike, **options: Any
) -> None:
    """Writes ``arr`` as a PNG file to a path or a binary file object (see :func:`encode_png`)."""
    data = encode_png(arr, **options)
    if hasattr(path_or_file, "write"):
        path_or_file.write(data)  # type: ignore[union-attr]
        return
    with open(path_or_file, "wb") as out:  # type: ignore[arg-type]
        out.write(data)


# --------------------------------------------------------------------------- reading


def _paeth(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The Paeth predictor of left ``a``, up ``b`` and upper left ``c`` (signed int arrays)."""
    pa = np.abs(b - c)
    pb = np.abs(a - c)
    pc = np.abs(a + b - 2 * c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def _unfilter(data: np.ndarray, height: int, stride: int, bpp: int) -> np.ndarray:
    """Reverses the per-row PNG filters of ``data`` (height rows of 1 + stride bytes)."""
    rows = data.reshape(height, stride + 1)
    types = rows[:, 0]
    filtered = rows[:, 1:]
    if types.max(initial=0) > 4:
        raise ValueError(f"PNG row filter type {int(types.max())} is not 0-4")
    if not types.any():
        return filtered.copy()
    units = stride // bpp
    if np.isin(types, (0, 1, 2)).all():
        # None, Sub and Up only: one vectorised step per row.
        out = np.empty((height, units, bpp), dtype=np.uint8)
        src = filtered.reshape(height, units, bpp)
        previous = np.zeros((units, bpp), dtype=np.uint8)
        for y in range(height):
            kind = types[y]
            if kind == 0:
                out[y] = src[y]
            elif kind == 1:
                out[y] = np.cumsum(src[y], axis=0, dtype=np.uint8)
            else:
                out[y] = src[y] + previous
            previous = out[y]
        return out.reshape(height, stride)
    # Average and Paeth depend on the reconstructed left neighbour: walk the anti-diagonals
    # (pixel x of row y at step x + y), so that every step is one vectorised operation.
    src = filtered.reshape(height, units, bpp).astype(np.int16)
    recon = np.zeros((height + 1, units + 1, bpp), dtype=np.int16)  # zero row and column first
    kinds = types.astype(np.int16)
    for step in range(height + units - 1):
        ys = np.arange(max(0, step - units + 1), min(height, step + 1))
        xs = step - ys
        left = recon[ys + 1, xs]
        up = recon[ys, xs + 1]
        up_left = recon[ys, xs]
        kind = kinds[ys][:, np.newaxis]
        prediction = np.select(
            [kind == 1, kind == 2, kind == 3, kind == 4],
            [left, up, (left + up) // 2, _paeth(left, up, up_left)],
            0,
        )
        recon[ys + 1, xs + 1] = (src[ys, xs] + prediction) & 0xFF
    return recon[1:, 1:].astype(np.uint8).reshape(height, stride)


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file (no PNG signature)")
    chunks = []
    pos = len(SIGNATURE)
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError(f"truncated PNG chunk header at byte {pos}")
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4 : pos + 8]
        end = pos + 8 + length
        if end + 4 > len(data):
            raise ValueError(f"truncated PNG chunk {kind!r} at byte {pos}")
        body = data[pos + 8 : end]
        (crc,) = struct.unpack_from(">I", data, end)
        if zlib.crc32(body, zlib.crc32(kind)) != crc:
            raise ValueError(f"PNG chunk {kind!r} at byte {pos} has a wrong CRC")
        chunks.append((kind, body))
        pos = end + 4
        if kind == b"IEND":
            break
    return chunks


def decode_png(data: bytes | bytearray | memoryview) -> np.ndarray:
    """Decodes PNG bytes into an array: ``(H, W)`` for grey, ``(H, W, C)`` otherwise.

    8-bit images give uint8 arrays, 16-bit images uint16; palette images are expanded to RGB
    (RGBA when they have transparency) and 1/2/4-bit grey images to uint8 values 0-255.
    Interlaced images are not supported (``ValueError``).
    """
    chunks = _chunks(bytes(data))
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise ValueError("PNG file does not start with an IHDR chunk")
    width, height, depth, color, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    if color not in _CHANNELS or depth not in (1, 2, 4, 8, 16):
        raise ValueError(f"unsupported PNG colour type {color} / bit depth {depth}")
    if depth < 8 and color not in (0, 3) or depth == 16 and color == 3:
        raise ValueError(f"invalid PNG bit depth {depth} for colour type {color}")
    if compression or filtering:
        raise ValueError("unknown PNG compression or filter method")
    if interlace:
        raise ValueError("interlaced (Adam7) PNG images are not supported")
    if width == 0 or height == 0 or width * height > MAX_PIXELS:
        raise ValueError(f"unsupported PNG size {width} x {height}")
    channels = _CHANNELS[color]
    bits = channels * depth
    stride = (width * bits + 7) // 8
    bpp = max(1, bits // 8)
    expected = height * (stride + 1)
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(
            b"".join(body for kind, body in chunks if kind == b"IDAT"), expected
        )
    except zlib.error as exc:
        raise ValueError(f"corrupt PNG image data: {exc}") from None
    if len(raw) < expected:
        raise ValueError(f"PNG image data too short: {len(raw)} bytes, {expected} expected")
    pixels = _unfilter(np.frombuffer(raw, dtype=np.uint8), height, stride, bpp)

    image: np.ndarray
    if depth == 16:
        image = pixels.view(">u2").astype(np.uint16).reshape(height, width, channels)
    elif depth == 8:
        image = pixels.reshape(height, width, channels)
    else:
        unpacked = np.unpackbits(pixels, axis=1).reshape(height, -1, depth)
        weights = (1 << np.arange(depth - 1, -1, -1)).astype(np.uint8)
        values = (unpacked * weights).sum(axis=2, dtype=np.uint8)[:, :width]
        if color == 0:
            values = values * np.uint8(255 // ((1 << depth) - 1))
        image = values[:, :, np.newaxis]
    if color == 3:
        palette_data = next((body for kind, body in chunks if kind == b"PLTE"), None)
        if palette_data is None or len(palette_data) % 3:
            raise ValueError("palette PNG without a valid PLTE chunk")
        palette = np.frombuffer(palette_data, dtype=np.uint8).reshape(-1, 3)
        alpha_data = next((body for kind, body in chunks if kind == b"tRNS"), None)
        if alpha_data is not None:
            alpha = np.full(len(palette), 255, dtype=np.uint8)
            alpha[: len(alpha_data)] = np.frombuffer(alpha_data, dtype=np.uint8)[: len(palette)]
            palette = np.column_stack([palette, alpha])
        index = image[:, :, 0]
        if index.max(initial=0) >= len(palette):
            raise ValueError("PNG palette index out of range")
        image = palette[index]
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return np.ascontiguousarray(image)


def read_png(src: str | os.PathLike[str] | IO[bytes] | bytes) -> np.ndarray:
    """Reads a PNG file (a path, a binary file object or the bytes) into an array.

    See :func:`decode_png` for the shapes and dtypes.
    """
    if isinstance(src, bytes | bytearray | memoryview):
        return decode_png(src)
    if hasattr(src, "read"):
        return decode_png(src.read())  # type: ignore[union-attr]
    with open(src, "rb") as f:  # type: ignore[arg-type]
        return decode_png(f.read())
