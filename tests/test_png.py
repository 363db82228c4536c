"""The dependency-free PNG writer and reader (rs_dicom.png)."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from rs_dicom.png import SIGNATURE, decode_png, encode_png, read_png, write_png


def _matplotlib_image():  # type: ignore[no-untyped-def]
    """matplotlib.image with the Agg backend; skipped without matplotlib unless in CI."""
    if os.environ.get("CI") != "true":
        pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image

    return matplotlib.image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(
    width: int,
    height: int,
    depth: int,
    color: int,
    scanlines: bytes,
    *extra: bytes,
    interlace: int = 0,
) -> bytes:
    """A PNG file built by hand: IHDR, extra chunks, one IDAT of ``scanlines``, IEND."""
    header = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + b"".join(extra)
        + _chunk(b"IDAT", zlib.compress(scanlines))
        + _chunk(b"IEND", b"")
    )


def _filter_types(data: bytes, height: int, stride: int) -> list[int]:
    """The filter type byte of each row of an encoded PNG (one IDAT stream)."""
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    return [raw[y * (stride + 1)] for y in range(height)]


def _smooth(height: int, width: int, channels: int = 0, dtype: type = np.uint8) -> np.ndarray:
    """A gradient with some texture: rows compress best with different filters."""
    y, x = np.mgrid[0:height, 0:width]
    maximum = np.iinfo(dtype).max
    planes = [(x * 7 + y * 3 + (x * y) // 5 + 13 * c) % (maximum + 1) for c in range(channels or 1)]
    image = np.stack(planes, axis=-1) if channels else planes[0]
    return image.astype(dtype)


# --------------------------------------------------------------------------- round trips

CASES = [
    ("grey8", (7, 5), np.uint8),
    ("grey_alpha8", (4, 6, 2), np.uint8),
    ("rgb8", (5, 9, 3), np.uint8),
    ("rgba8", (3, 4, 4), np.uint8),
    ("grey16", (6, 7), np.uint16),
    ("rgb16", (4, 3, 3), np.uint16),
]


@pytest.mark.parametrize(("name", "shape", "dtype"), CASES, ids=[c[0] for c in CASES])
def test_round_trip_random(name: str, shape: tuple[int, ...], dtype: type) -> None:
    rng = np.random.default_rng(len(shape) * 100 + shape[0])
    image = rng.integers(0, np.iinfo(dtype).max, size=shape, endpoint=True, dtype=dtype)
    data = encode_png(image)
    assert data.startswith(SIGNATURE)
    back = decode_png(data)
    assert back.dtype == dtype and back.shape == shape
    np.testing.assert_array_equal(back, image)


@pytest.mark.parametrize("channels", [0, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_round_trip_smooth_images_use_several_filters(channels: int, dtype: type) -> None:
    image = _smooth(40, 57, channels, dtype)
    data = encode_png(image)
    np.testing.assert_array_equal(decode_png(data), image)
    bpp = max(channels, 1) * np.dtype(dtype).itemsize
    types = _filter_types(data, 40, 57 * bpp)
    assert set(types) <= {0, 1, 2, 3, 4}
    assert len(set(types)) >= 2, types  # the per-row heuristic really chooses
    assert len(data) < image.nbytes  # and it compresses


def test_16_bit_is_big_endian_in_the_file() -> None:
    image = np.array([[0x0102, 0xFFFE]], dtype=np.uint16)
    data = encode_png(image)
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, color) == (2, 1, 16, 0)
    assert _filter_types(data, 1, 4) in ([0], [1], [2], [3], [4])
    np.testing.assert_array_equal(decode_png(data), image)


def test_header_fields_per_format() -> None:
    cases: list[tuple[np.ndarray, int, int]] = [
        (np.zeros((2, 3), np.uint8), 8, 0),
        (np.zeros((2, 3, 2), np.uint8), 8, 4),
        (np.zeros((2, 3, 3), np.uint8), 8, 2),
        (np.zeros((2, 3, 4), np.uint8), 8, 6),
        (np.zeros((2, 3), np.uint16), 16, 0),
    ]
    for image, depth, color in cases:
        width, height, d, c = struct.unpack(">IIBB", encode_png(image)[16:26])
        assert (width, height, d, c) == (3, 2, depth, color)


def test_non_contiguous_and_single_channel_input() -> None:
    base = _smooth(10, 12, 3)
    view = base[::2, ::-1, 1]  # strided, reversed
    np.testing.assert_array_equal(decode_png(encode_png(view)), view)
    np.testing.assert_array_equal(decode_png(encode_png(base[:, :, :1])), base[:, :, 0])


def test_bool_is_black_and_white() -> None:
    mask = np.array([[True, False], [False, True]])
    np.testing.assert_array_equal(decode_png(encode_png(mask)), [[255, 0], [0, 255]])


def test_large_image_splits_idat_chunks() -> None:
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, size=(700, 800, 3), dtype=np.uint8)  # > 1 MiB compressed
    data = encode_png(image, compress_level=1)
    assert data.count(b"IDAT") >= 2
    np.testing.assert_array_equal(decode_png(data), image)


# --------------------------------------------------------------------------- files


def test_write_and_read_paths_and_file_objects(tmp_path: Path) -> None:
    image = _smooth(8, 9, 3)
    path = tmp_path / "image.png"
    write_png(path, image)
    write_png(str(tmp_path / "str.png"), image)
    buffer = io.BytesIO()
    write_png(buffer, image)
    assert path.read_bytes() == buffer.getvalue() == (tmp_path / "str.png").read_bytes()
    for source in (path, str(path), io.BytesIO(path.read_bytes()), path.read_bytes()):
        np.testing.assert_array_equal(read_png(source), image)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- every filter type


def _reference_filter(row: bytes, prior: bytes, kind: int, bpp: int) -> bytes:
    """PNG filtering written byte by byte from the specification (section 9)."""
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        if kind == 0:
            pred = 0
        elif kind == 1:
            pred = a
        elif kind == 2:
            pred = b
        elif kind == 3:
            pred = (a + b) // 2
        else:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out.append((x - pred) % 256)
    return bytes(out)


@pytest.mark.parametrize(
    ("kinds", "bpp"),
    [
        ([0, 1, 2, 3, 4, 4, 3, 2, 1, 0], 3),
        ([3] * 10, 1),
        ([4] * 10, 6),  # 16-bit RGB: 6 bytes per pixel
        ([1, 2, 1, 2, 1, 2, 1, 2, 1, 2], 2),
        ([2, 4, 3, 0, 3, 1, 4, 4, 2, 3], 4),
    ],
)
def test_decodes_each_filter_type(kinds: list[int], bpp: int) -> None:
    """Files whose rows use given filter types (written by a byte-by-byte reference)."""
    color, depth, channels = {
        1: (0, 8, 1),
        2: (0, 16, 1),
        3: (2, 8, 3),
        4: (6, 8, 4),
        6: (2, 16, 3),
    }[bpp]
    height, width = len(kinds), 11
    rng = np.random.default_rng(bpp)
    dtype = np.uint16 if depth == 16 else np.uint8
    shape = (height, width, channels) if channels > 1 else (height, width)
    image = (_smooth(height, width, channels if channels > 1 else 0, dtype) // 2) + (
        rng.integers(0, 3, size=shape, dtype=dtype)
    )
    raw = image.astype(dtype).astype(np.dtype(dtype).newbyteorder(">")).tobytes()
    stride = width * bpp
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    prior = bytes(stride)
    scanlines = b""
    for row, kind in zip(rows, kinds, strict=True):
        scanlines += bytes([kind]) + _reference_filter(row, prior, kind, bpp)
        prior = row
    data = _png(width, height, depth, color, scanlines)
    np.testing.assert_array_equal(decode_png(data), image)


def test_palette_and_low_bit_depths() -> None:
    palette = bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    # 2-bit palette indices 0 1 2 3 / 3 2 1 0, each row one byte.
    scanlines = bytes([0, 0b00011011, 0, 0b11100100])
    image = decode_png(_png(4, 2, 2, 3, scanlines, _chunk(b"PLTE", palette)))
    assert image.shape == (2, 4, 3)
    assert image[0].tolist() == [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]
    assert image[1].tolist() == image[0][::-1].tolist()
    with_alpha = decode_png(
        _png(4, 2, 2, 3, scanlines, _chunk(b"PLTE", palette), _chunk(b"tRNS", b"\x00\x80"))
    )
    assert with_alpha.shape == (2, 4, 4)
    assert with_alpha[0, :, 3].tolist() == [0, 128, 255, 255]
    # 1-bit grey: 10 pixels per row, padded to 2 bytes.
    bits = decode_png(_png(10, 1, 1, 0, bytes([0, 0b10110000, 0b01000000])))
    assert bits.tolist() == [[255, 0, 255, 255, 0, 0, 0, 0, 0, 255]]
    # 4-bit grey scales 0-15 to 0-255.
    nibbles = decode_png(_png(2, 1, 4, 0, bytes([0, 0xF5])))
    assert nibbles.tolist() == [[255, 85]]


# --------------------------------------------------------------------------- errors


def test_write_rejects_what_png_cannot_hold() -> None:
    with pytest.raises(TypeError, match="uint8 or uint16"):
        encode_png(np.zeros((2, 2), np.float32))
    with pytest.raises(TypeError, match="int16"):
        encode_png(np.zeros((2, 2), np.int16))
    with pytest.raises(ValueError, match="shape"):
        encode_png(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        encode_png(np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="empty"):
        encode_png(np.zeros((0, 3), np.uint8))


def test_read_rejects_broken_files() -> None:
    good = encode_png(_smooth(4, 4))
    with pytest.raises(ValueError, match="signature"):
        decode_png(b"GIF89a" + good[6:])
    corrupt = bytearray(good)
    corrupt[45] ^= 0xFF  # inside the IDAT data
    with pytest.raises(ValueError, match="CRC"):
        decode_png(bytes(corrupt))
    with pytest.raises(ValueError, match="truncated"):
        decode_png(good[:30])
    interlaced = _png(1, 1, 8, 0, b"\x00\x00", interlace=1)
    with pytest.raises(ValueError, match="interlaced"):
        decode_png(interlaced)
    with pytest.raises(ValueError, match="filter type 7"):
        decode_png(_png(1, 1, 8, 0, b"\x07\x00"))
    with pytest.raises(ValueError, match="too short"):
        decode_png(_png(4, 4, 8, 0, b"\x00\x00"))
    with pytest.raises(ValueError, match="size"):
        decode_png(_png(1 << 20, 1 << 20, 8, 0, b""))  # a header is a claim, not a size


# --------------------------------------------------------------------------- matplotlib


@pytest.mark.parametrize(
    "image",
    [
        _smooth(13, 17),
        _smooth(13, 17, 3),
        _smooth(13, 17, 4),
        _smooth(9, 11, 0, np.uint16),
    ],
    ids=["grey8", "rgb8", "rgba8", "grey16"],
)
def test_matplotlib_reads_what_we_write(image: np.ndarray) -> None:
    mpimg = _matplotlib_image()
    theirs = mpimg.imread(io.BytesIO(encode_png(image)), format="png")
    scale = np.iinfo(image.dtype).max
    np.testing.assert_allclose(theirs * scale, image, atol=0.01)


def test_we_read_what_matplotlib_writes() -> None:
    mpimg = _matplotlib_image()
    values = _smooth(12, 15, 3)
    buffer = io.BytesIO()
    mpimg.imsave(buffer, values, format="png")  # RGBA, 8-bit
    ours = read_png(buffer.getvalue())
    assert ours.shape == (12, 15, 4) and ours.dtype == np.uint8
    np.testing.assert_array_equal(ours[:, :, :3], values)
    assert (ours[:, :, 3] == 255).all()
