"""Files that change under a reader: memory-mapped files truncated or rewritten while arrays
and datasets from them are alive. The policy (see rs_dicom's core `Source`): files up to
4 MiB are read into memory; larger files are mapped and what is handed out from them is a
private copy, so values already read never change; a read that finds the file changed raises
SourceChangedError; with ``mmap=True`` views of the map are handed out, and a truncation turns
vanished pages into zeros instead of killing the process (SIGBUS)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import rs_dicom

pydicom = pytest.importorskip("pydicom")

FRAMES, ROWS, COLS = 48, 256, 256  # 6 MiB of pixels: over the 4 MiB mapping threshold


def _write(path: Path) -> np.ndarray:
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    data = (np.arange(FRAMES * ROWS * COLS, dtype=np.uint32) % 65521).astype(np.uint16)
    data = data.reshape(FRAMES, ROWS, COLS)
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7.3"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientName = "Mapped^File"
    ds.Rows, ds.Columns, ds.NumberOfFrames = ROWS, COLS, FRAMES
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = data.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return data


CHILD = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import rs_dicom

    path, mode = sys.argv[1], sys.argv[2]
    mmap = {"auto": None, "views": True}[mode]
    size = os.path.getsize(path)
    ds = rs_dicom.dcmread(path, mmap=mmap)
    arr = ds.pixel_array
    frame = ds.pixel_data.frame(3)
    raw = ds["PixelData"].raw
    before = (int(arr.astype(np.int64).sum()), int(frame.astype(np.int64).sum()))
    print("read", before[0], before[1], flush=True)

    # Another program truncates the file under the live arrays and datasets.
    with open(path, "r+b") as f:
        f.truncate(2048)
    after = (int(arr.astype(np.int64).sum()), int(frame.astype(np.int64).sum()))
    raw_sum = int(np.frombuffer(raw, dtype=np.uint8).astype(np.int64).sum())
    print("truncated", after[0], after[1], raw_sum, flush=True)
    for what, get in [
        ("frame", lambda: ds.pixel_data.frame(5)),
        ("raw", lambda: ds["PixelData"].raw),
        ("value", lambda: ds.PatientName),
    ]:
        try:
            get()
            print(what, "ok", flush=True)
        except rs_dicom.DicomError as exc:
            print(what, type(exc).__name__, flush=True)

    # ... and then rewrites it in place, at full size, with other bytes.
    with open(path, "r+b") as f:
        f.write(bytes([0x5A]) * size)
    again = (int(arr.astype(np.int64).sum()), int(frame.astype(np.int64).sum()))
    print("rewritten", again[0], again[1], flush=True)
    try:
        ds.pixel_data.frame(7)
        print("frame-after-rewrite ok", flush=True)
    except rs_dicom.DicomError as exc:
        print("frame-after-rewrite", type(exc).__name__, flush=True)
    print("alive", flush=True)
    """
)


def _run_child(path: Path, mode: str) -> list[list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), mode],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"the child died ({proc.returncode}): {proc.stderr[-2000:]}"
    return [line.split() for line in proc.stdout.splitlines()]


def test_default_policy_hands_out_copies_that_outlive_truncation_and_rewrite(
    tmp_path: Path,
) -> None:
    path = tmp_path / "big.dcm"
    data = _write(path)
    lines = _run_child(path, "auto")
    read, truncated, frame, raw, value, rewritten, later, alive = lines
    full = int(data.astype(np.int64).sum())
    third = int(data[3].astype(np.int64).sum())
    assert read == ["read", str(full), str(third)]
    # The arrays and the raw bytes already handed out are private copies: unchanged.
    assert truncated[:3] == ["truncated", str(full), str(third)]
    assert int(truncated[3]) == int(np.frombuffer(data.tobytes(), np.uint8).sum())
    # Anything read from the file now is refused, not silently wrong.
    assert frame == ["frame", "SourceChangedError"]
    assert raw == ["raw", "SourceChangedError"]
    assert value == ["value", "SourceChangedError"]
    assert rewritten == ["rewritten", str(full), str(third)]
    assert later == ["frame-after-rewrite", "SourceChangedError"]
    assert alive == ["alive"]


def test_views_of_a_map_survive_truncation(tmp_path: Path) -> None:
    """mmap=True: zero-copy views; a truncation shows as zeros, never as a crash."""
    path = tmp_path / "big.dcm"
    data = _write(path)
    lines = _run_child(path, "views")
    read, truncated, frame, raw, value, rewritten, later, alive = lines
    assert read == ["read", str(int(data.astype(np.int64).sum())), str(int(data[3].sum()))]
    # The pixels beyond the first 2 KiB of the file read as zeros now.
    assert int(truncated[1]) < int(read[1])
    assert frame == ["frame", "SourceChangedError"]
    assert value == ["value", "SourceChangedError"]
    assert rewritten[0] == "rewritten"
    assert later == ["frame-after-rewrite", "SourceChangedError"]
    assert alive == ["alive"]


def test_small_files_are_read_into_memory_and_viewed(tmp_path: Path) -> None:
    """Under the threshold the file is read once: views of that memory, which no other
    program can change."""
    path = tmp_path / "small.dcm"
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.Rows = ds.Columns = 64
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    data = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
    ds.PixelData = data.tobytes()
    ds.save_as(path, enforce_file_format=True)
    read = rs_dicom.dcmread(path)
    arr = read.pixel_array
    assert not arr.flags.owndata and not arr.flags.writeable
    path.write_bytes(b"\0" * 100)
    np.testing.assert_array_equal(arr, data)
    np.testing.assert_array_equal(read.pixel_data.frame(0), data)


def test_mmap_false_reads_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "big.dcm"
    data = _write(path)
    ds = rs_dicom.dcmread(path, mmap=False)
    frame = ds.pixel_data.frame(2)
    path.write_bytes(b"")
    np.testing.assert_array_equal(frame, data[2])
    np.testing.assert_array_equal(ds.pixel_data.frame(9), data[9])
