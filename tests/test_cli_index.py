"""``rs-dicom index``: Parquet output equal to `rs_dicom.scan`, read back by pyarrow and pandas;
incremental re-runs read only new and changed files."""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

import pytest
import rs_dicom
from rs_dicom import cli

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

NAMES = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "JPEG2000.dcm"]


def index(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        status = cli.main(["index", *map(str, args)])
    finally:
        sys.stdout, sys.stderr = old
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    from pydicom.data import get_testdata_file

    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    for i, name in enumerate(NAMES):
        shutil.copy(get_testdata_file(name), root / ("sub" if i % 2 else "") / name)
    (root / "notes.txt").write_text("not DICOM")
    return root


def test_index_equals_scan(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    status, text, err = index(folder, "-o", out, "--workers", "2")
    assert status == 0, err
    assert "5 files (5 read, 0 unchanged, 0 removed); 1 could not be read" in text
    assert "notes.txt" in err
    table = pq.read_table(out)
    scanned = rs_dicom.scan(folder)
    assert table.drop_columns(["mtime"]).equals(scanned)
    mtimes = table.column("mtime").cast("int64").to_pylist()
    assert mtimes == [os.stat(p).st_mtime_ns for p in table.column("path").to_pylist()]
    df = pq.read_table(out).to_pandas()
    assert sorted(df["path"]) == sorted(scanned.column("path").to_pylist())
    assert set(df["PatientName"].dropna()) == set(
        scanned.column("PatientName").drop_null().to_pylist()
    )


def test_tags_option(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    assert index(folder, "-o", out, "--tags", "PatientID,StudyDate,00280010")[0] == 0
    names = pq.read_schema(out).names
    assert names[5:] == ["PatientID", "StudyDate", "Rows", "mtime"]


def test_rerun_reads_only_changed_files(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    assert index(folder, "-o", out)[0] == 0
    ct = folder / "CT_small.dcm"
    # Same size and mtime, new bytes: an incremental run must not read it again.
    st = ct.stat()
    data = ct.read_bytes()
    assert b"CompressedSamples^CT1" in data
    ct.write_bytes(data.replace(b"CompressedSamples^CT1", b"CompressedSamples^CT9"))
    os.utime(ct, ns=(st.st_atime_ns, st.st_mtime_ns))
    # A changed file (new mtime), a removed one, a new one.
    mr = folder / "sub" / "MR_small.dcm"
    mr.write_bytes(mr.read_bytes().replace(b"CompressedSamples^MR1", b"CompressedSamples^MR7"))
    os.utime(mr, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    (folder / "rtplan.dcm").unlink()
    from pydicom.data import get_testdata_file

    shutil.copy(get_testdata_file("CT_small.dcm"), folder / "sub" / "new.dcm")
    status, text, err = index(folder, "-o", out)
    assert status == 0, err
    assert "5 files (2 read, 3 unchanged, 1 removed)" in text
    rows = {Path(r["path"]).name: r for r in pq.read_table(out).to_pylist()}
    assert set(rows) == {"CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "new.dcm", "notes.txt"}
    assert rows["CT_small.dcm"]["PatientName"] == "CompressedSamples^CT1"  # not read again
    assert rows["MR_small.dcm"]["PatientName"] == "CompressedSamples^MR7"
    assert rows["new.dcm"]["PatientName"] == "CompressedSamples^CT1"
    # Different tags: everything is read again.
    status, text, _ = index(folder, "-o", out, "--tags", "PatientName")
    assert "(5 read, 0 unchanged, 0 removed)" in text
    rows = {Path(r["path"]).name: r for r in pq.read_table(out).to_pylist()}
    assert rows["CT_small.dcm"]["PatientName"] == "CompressedSamples^CT9"


def test_bad_usage(tmp_path: Path) -> None:
    status, _, err = index(tmp_path / "missing", "-o", tmp_path / "x.parquet")
    assert status == 1 and "not a directory" in err
    assert not (tmp_path / "x.parquet").exists()
