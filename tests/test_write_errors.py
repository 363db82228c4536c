"""Writing what cannot be written, and writing where it cannot go: a DicomError naming the tag
for a dataset that cannot be encoded, an OSError naming the path for a place that cannot be
written; in every case no file (temporary or partial) is left behind and the file the dataset
was read from is untouched. Saving over the very file being read (memory-mapped) is safe.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import rs_dicom
from helpers import SAMPLE
from write_check import compare_rs

NUMERIC_VALUE = 0x0040A30A  # DS, VM 1-n: as long as one likes, in implicit VR


def _copy(tmp_path: Path, name: str = "src.dcm") -> Path:
    dst = tmp_path / name
    shutil.copyfile(SAMPLE, dst)
    return dst


def _listing(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def test_a_value_too_long_for_explicit_vr_names_the_tag(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    before = src.read_bytes()
    ds = rs_dicom.dcmread(src)
    ds.NumericValue = [1.5] * 20000  # 79,999 bytes: more than a 16-bit length holds
    for target in (src, tmp_path / "new.dcm"):
        with pytest.raises(rs_dicom.DicomError) as exc:
            ds.save_as(target)
        assert "(0040,A30A)" in str(exc.value) and "16-bit length" in str(exc.value)
        assert exc.value.tag_path == "(0040,A30A)"
    assert _listing(tmp_path) == ["src.dcm"]
    assert src.read_bytes() == before
    # Implicit VR has 32-bit lengths: the same dataset is written there.
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2"
    ds.save_as(tmp_path / "implicit.dcm")
    back = rs_dicom.dcmread(tmp_path / "implicit.dcm")
    assert back[NUMERIC_VALUE].vm == 20000


def test_no_sop_class_uid_with_enforce_file_format(tmp_path: Path) -> None:
    ds = rs_dicom.Dataset()
    ds.PatientName = "Doe^Jane"
    with pytest.raises(rs_dicom.DicomError, match=r"SOP Class UID") as exc:
        ds.save_as(tmp_path / "x.dcm", enforce_file_format=True)
    assert "(0008,0016)" in str(exc.value)
    assert _listing(tmp_path) == []
    # Without enforce_file_format a bare dataset is written (as pydicom does).
    ds.save_as(tmp_path / "x.dcm")
    assert rs_dicom.dcmread(tmp_path / "x.dcm", force=True).PatientName == "Doe^Jane"


def test_a_transfer_syntax_with_no_encoder_names_the_pixel_data(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    ds = rs_dicom.dcmread(src)
    for uid in ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.90"):
        ds.file_meta.TransferSyntaxUID = uid
        with pytest.raises(rs_dicom.DicomError, match=r"no encoder") as exc:
            ds.save_as(src)
        assert exc.value.tag_path == "(7FE0,0010)"
    assert _listing(tmp_path) == ["src.dcm"]
    assert src.read_bytes() == SAMPLE.read_bytes()


def test_an_unwritable_path_is_an_oserror_with_the_path(tmp_path: Path) -> None:
    ds = rs_dicom.dcmread(SAMPLE)
    missing = tmp_path / "no" / "such" / "dir" / "x.dcm"
    with pytest.raises(FileNotFoundError) as exc:
        ds.save_as(missing)
    assert exc.value.filename == str(missing)
    a_file = _copy(tmp_path, "plain")
    with pytest.raises(NotADirectoryError) as exc2:
        ds.save_as(a_file / "x.dcm")
    assert exc2.value.filename == str(a_file / "x.dcm")
    with pytest.raises(FileExistsError) as exc3:
        ds.save_as(a_file, overwrite=False)
    assert exc3.value.filename == str(a_file)
    assert _listing(tmp_path) == ["plain"]
    assert a_file.read_bytes() == SAMPLE.read_bytes()


@contextmanager
def _read_only(directory: Path) -> Iterator[None]:
    """A directory no one may create files in. root ignores permission bits, so for root the
    directory is made immutable (ext4's `chattr +i`, which binds root too)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(directory)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
    else:
        directory.chmod(0o555)
        try:
            yield
        finally:
            directory.chmod(0o755)


def test_a_read_only_directory_leaves_the_source_untouched(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    ds = rs_dicom.dcmread(src)
    ds.PatientName = "Edited^Name"
    with _read_only(tmp_path):
        for target in (src, tmp_path / "new.dcm"):
            with pytest.raises(PermissionError) as exc:
                ds.save_as(target)
            assert exc.value.filename == str(target)
    assert _listing(tmp_path) == ["src.dcm"]
    assert src.read_bytes() == SAMPLE.read_bytes()


class _FailingFile(io.RawIOBase):
    """A binary file that takes `limit` bytes, then fails like a full disk."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        room = self.limit - len(self.data)
        if len(b) > room:
            self.data += bytes(b)[:room]
            raise OSError(28, "No space left on device")
        self.data += bytes(b)
        return len(b)


def test_a_file_object_that_fails_midway(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    ds = rs_dicom.dcmread(src)
    ds.PatientName = "Edited^Name"
    for limit in (0, 100, 5000):
        with pytest.raises(OSError, match="No space left"):
            ds.save_as(_FailingFile(limit))
    assert src.read_bytes() == SAMPLE.read_bytes()
    # The dataset is unchanged by the failure and still writes.
    out = io.BytesIO()
    ds.save_as(out)
    assert rs_dicom.dcmread(out.getvalue()).PatientName == "Edited^Name"


def test_a_full_disk_midway_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    """A file size limit (RLIMIT_FSIZE, which binds root too) stands in for a full disk: the
    write fails after some bytes. Run in a child process, so the limit binds it alone."""
    src = _copy(tmp_path)
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        import rs_dicom
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        ds = rs_dicom.dcmread({str(src)!r})
        ds.PatientName = "Edited^Name"
        resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000))
        try:
            ds.save_as({str(src)!r})
        except OSError as e:
            print(type(e).__name__, e.errno, e.filename)
            sys.exit(0)
        sys.exit("the write did not fail")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["OSError", "27", str(src)]  # EFBIG
    assert _listing(tmp_path) == ["src.dcm"]
    assert src.read_bytes() == SAMPLE.read_bytes()


def _big_file(path: Path) -> np.ndarray:
    """A file larger than the size from which files are memory-mapped (4 MiB)."""
    ds = rs_dicom.dcmread(SAMPLE)
    arr = (np.arange(1600 * 1600, dtype=np.uint32) % 4096).astype(np.uint16).reshape(1600, 1600)
    ds.set_pixel_data(arr, "MONOCHROME2", 12)
    ds.save_as(path)
    assert path.stat().st_size > 4 << 20
    return arr


@pytest.mark.parametrize("mmap", [None, True])
def test_saving_over_the_file_being_read(tmp_path: Path, mmap: bool | None) -> None:
    path = tmp_path / "big.dcm"
    arr = _big_file(path)
    original = rs_dicom.dcmread(path)
    ds = rs_dicom.dcmread(path, mmap=mmap)
    view = ds.pixel_array  # from the map itself with mmap=True
    ds.PatientName = "Over^Written"
    ds.save_as(path)
    ds.PatientID = "second save"
    ds.save_as(path)  # from the same (old, still mapped) source again
    assert _listing(tmp_path) == ["big.dcm"]

    back = rs_dicom.dcmread(path)
    assert (back.PatientName, back.PatientID) == ("Over^Written", "second save")
    np.testing.assert_array_equal(back.pixel_array, arr)
    np.testing.assert_array_equal(view, arr)  # the old view still sees the old pixels
    np.testing.assert_array_equal(ds.pixel_array, arr)
    del original.PatientName, original.PatientID
    del back.PatientName, back.PatientID
    diffs = list(compare_rs(original, back, a_big=False, b_big=False, implicit=False))
    assert diffs == [], diffs[:10]
