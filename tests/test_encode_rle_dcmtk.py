"""RLE Lossless output byte for byte equal to DCMTK's ``dcmcrle``: the same uncompressed file
compressed by rs_dicom (``Dataset.compress``) and by dcmcrle must give equal frames, fragment
by fragment.  PackBits leaves the encoder free to split runs and literals its own way; these
images hit every place where encoders differ (runs of 2, 3, 127-131, 256-259 bytes, at the
starts and ends of rows, literal stretches longer than 128 bytes, pairs inside and at the end
of rows), then the pydicom corpus's RLE images (8, 16 and 32 bits, grey and RGB, signed)
decompressed by ``dcmdrle``.  Without the DCMTK tools the tests skip, except under CI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from helpers import reference_tool, run_tool, write_uncompressed  # noqa: E402
from pydicom.encaps import generate_frames  # noqa: E402

RLE_UID = "1.2.840.10008.1.2.5"
RUNS = (2, 3, 127, 128, 129, 130, 131, 256, 257, 258, 259)


def _frames(path: Path) -> list[bytes]:
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == RLE_UID
    n = int(ds.get("NumberOfFrames", 1) or 1)
    return list(generate_frames(ds.PixelData, number_of_frames=n))


def _assert_same_as_dcmcrle(tmp_path: Path, src: Path) -> int:
    """Compresses `src` with both encoders; returns the number of frames compared."""
    theirs = tmp_path / "dcmtk.dcm"
    run_tool([reference_tool("dcmcrle"), str(src), str(theirs)])
    ds = rs_dicom.dcmread(str(src))
    ds.compress(RLE_UID)
    ours = tmp_path / "ours.dcm"
    ds.save_as(str(ours))
    want, got = _frames(theirs), _frames(ours)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if g != w:
            at = next(
                (k for k, (a, b) in enumerate(zip(g, w, strict=False)) if a != b),
                min(len(g), len(w)),
            )
            raise AssertionError(
                f"{src.name} frame {i}: {len(g)} bytes vs dcmcrle's {len(w)}, first "
                f"difference at byte {at}: {g[at : at + 12].hex()} vs {w[at : at + 12].hex()}"
            )
    return len(want)


def _literal(n: int, start: int = 0) -> list[int]:
    """`n` bytes with no two neighbours equal (and none equal to 0 or 200)."""
    return [(start + 7 * k) % 190 + 1 for k in range(n)]


def _rows() -> list[list[int]]:
    """Rows that each exercise one way of splitting runs and literals."""
    rows = []
    for n in RUNS:
        run = [200] * n
        rows += [run, _literal(5) + run, run + _literal(5), _literal(3) + run + _literal(4)]
        rows.append(run + [0] * 2)  # a run then a pair ending the row
    for n in (1, 2, 126, 127, 128, 129, 130, 255, 256, 257, 300):
        lit = _literal(n)
        rows += [lit, lit + [0] * 3, lit + [0] * 2, [0] * 2 + lit, lit + [0] * 129]
    for n in (126, 127, 128):
        rows.append(_literal(n) + [0, 0] + _literal(5, 3))  # a pair inside a long literal
    rows.append([0, 0, 1, 1, 2, 2, 3, 3])  # pairs only
    rows.append([9])
    return rows


@pytest.mark.parametrize("bits", [8, 16, 32])
def test_crafted_rows_equal_dcmcrle(tmp_path: Path, bits: int) -> None:
    """Every crafted row as its own image (one row, so the row end is the image's), then all
    of them in one image (rows of one width: each padded with a literal tail)."""
    dtype = np.dtype(f"<u{bits // 8}")
    for i, row in enumerate(_rows()):
        # The bytes become the low byte of each sample; the other bytes are constant runs.
        arr = np.array([row], dtype=dtype)
        src = write_uncompressed(tmp_path / f"row{i}.dcm", arr, spp=1, bits=bits)
        _assert_same_as_dcmcrle(tmp_path, src)
    width = max(len(r) for r in _rows())
    block = np.array([r + _literal(width - len(r), 11) for r in _rows()], dtype=np.uint8)
    src = write_uncompressed(tmp_path / "block.dcm", block, spp=1, bits=8)
    _assert_same_as_dcmcrle(tmp_path, src)


@pytest.mark.parametrize(
    ("dtype", "spp", "bits"),
    [("u1", 1, 8), ("i2", 1, 16), ("u2", 1, 12), ("u1", 3, 8), ("u2", 3, 16), ("i4", 1, 32)],
)
def test_random_images_equal_dcmcrle(tmp_path: Path, dtype: str, spp: int, bits: int) -> None:
    """Noise with runs of every length spread through it, several frames."""
    rng = np.random.default_rng(13)
    frames, rows, cols = 3, 37, 301
    n = frames * rows * cols * spp
    values = rng.integers(0, 1 << min(bits, 15), size=n // 4 + 1)
    if dtype.startswith("i"):
        values -= 1 << (min(bits, 15) - 1)  # negative samples too
    lengths = rng.choice([1, 1, 1, 2, 3, 4, 128, 129, 130, 257], size=values.size)
    flat = np.repeat(values, lengths)[:n]
    flat = np.pad(flat, (0, n - flat.size))
    shape = (frames, rows, cols, spp) if spp > 1 else (frames, rows, cols)
    arr = flat.reshape(shape).astype(np.dtype(dtype).newbyteorder("<"))
    src = write_uncompressed(tmp_path / "src.dcm", arr, spp=spp, bits=bits, frames=frames)
    assert _assert_same_as_dcmcrle(tmp_path, src) == frames


CORPUS = [
    "SC_rgb_rle.dcm",
    "SC_rgb_rle_2frame.dcm",
    "SC_rgb_rle_16bit.dcm",
    "SC_rgb_rle_16bit_2frame.dcm",
    "SC_rgb_rle_32bit.dcm",
    "MR_small_RLE.dcm",
    "emri_small_RLE.dcm",
    "rtdose_rle_1frame.dcm",
    "rtdose_rle.dcm",
    "OBXXXX1A_rle.dcm",
]


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_equals_dcmcrle(tmp_path: Path, name: str) -> None:
    """The corpus's RLE images, decompressed by dcmdrle, compressed again by both encoders."""
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name)
    if path is None:
        pytest.skip(f"{name} is not in this pydicom's test data")
    src = tmp_path / "native.dcm"
    run_tool([reference_tool("dcmdrle"), "+te", str(path), str(src)])
    assert _assert_same_as_dcmcrle(tmp_path, src) >= 1


def test_dcmcrle_options_unchanged(tmp_path: Path) -> None:
    """dcmcrle's defaults (one fragment per frame, no offset table values) are what the other
    tests compare; a DCMTK whose defaults change would make them compare something else."""
    arr = np.zeros((4, 6), dtype=np.uint8)
    src = write_uncompressed(tmp_path / "z.dcm", arr, spp=1, bits=8)
    out = tmp_path / "z_rle.dcm"
    proc = subprocess.run(
        [reference_tool("dcmcrle"), str(src), str(out)], capture_output=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    ds = pydicom.dcmread(out)
    # Four rows of six zeros: four replicate packets (251, 0) after the 64-byte header.
    assert _frames(out) == [
        (1).to_bytes(4, "little") + (64).to_bytes(4, "little") + bytes(56) + bytes([251, 0]) * 4
    ]
    assert ds.file_meta.TransferSyntaxUID == RLE_UID
