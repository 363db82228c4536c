"""``rs-dicom index``: Parquet output equal to `rs_dicom.scan`, read back by pyarrow and pandas;
incremental re-runs read only new and changed files."""

from __future__ import annotations

import io
import json
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
    assert table.drop_columns(["mtime", "etag"]).equals(scanned)
    assert table.column("etag").null_count == table.num_rows  # local files have none
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
    assert names[5:] == ["PatientID", "StudyDate", "Rows", "mtime", "etag"]


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
    assert status == 1 and "missing: no such file or directory" in err
    assert not (tmp_path / "x.parquet").exists()
    status, _, err = index(tmp_path / "*.nothing", "-o", tmp_path / "x.parquet")
    assert status == 1 and "matches no file" in err
    with pytest.raises(SystemExit):
        index("-o", tmp_path / "x.parquet")
    with pytest.raises(SystemExit):
        index(tmp_path, "-o", tmp_path / "x.parquet", "--storage-options", "[1]")
    assert not (tmp_path / "x.parquet").exists()


def test_globs_files_and_lists(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    listed = tmp_path / "list.txt"
    listed.write_text(f"{folder / 'notes.txt'}\n\n{folder / 'sub'}\n")
    args = [folder / "*.dcm", folder / "CT_small.dcm", "--files-from", listed, "-o", out]
    status, text, err = index(*args)
    assert status == 0, err
    want = sorted(str(p) for p in folder.glob("*.dcm"))
    want += [str(folder / "notes.txt")]
    want += sorted(str(p) for p in (folder / "sub").iterdir())
    table = pq.read_table(out)
    # Each file once, in argument order; the rows are the scan's.
    assert table.column("path").to_pylist() == want
    assert table.drop_columns(["mtime", "etag"]).equals(rs_dicom.scan(want))
    assert f"{len(want)} files ({len(want)} read" in text


def _tree(folder: Path) -> tuple[list[Path], list[str]]:
    """The files under ``folder`` and their names relative to it."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return files, [p.relative_to(folder).as_posix() for p in files]


def _remote_rows(out: Path, urls: list[str], paths: list[str]) -> None:
    """The index's rows of ``urls`` equal the scan's of the local ``paths``."""
    table = pq.read_table(out)
    got = table.drop_columns(["mtime", "etag"]).to_pylist()
    want = rs_dicom.scan(paths).to_pylist()
    assert [r["path"] for r in got] == urls
    for url, path, g, w in zip(urls, paths, got, want, strict=True):
        if w["error"] is not None:
            w["error"] = w["error"].replace(path, url)
        assert g == {**w, "path": url}, url


def test_index_of_an_s3_prefix_and_its_reruns(folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    from remote_support import moto_s3, s3_bucket

    files, names = _tree(folder)
    out = tmp_path / "s3.parquet"
    with moto_s3() as options:
        fs = s3_bucket(options, "idx")
        for p, name in zip(files, names, strict=True):
            fs.pipe(f"idx/study/{name}", p.read_bytes())
        fs.pipe("idx/other/x.dcm", files[0].read_bytes())
        so = ["--storage-options", json.dumps(options)]
        status, text, err = index("s3://idx/study/", "-o", out, *so)
        assert status == 0, err
        assert f"{len(files)} files ({len(files)} read" in text
        urls = sorted(f"s3://idx/study/{n}" for n in names)
        by_url = dict(zip((f"s3://idx/study/{n}" for n in names), map(str, files), strict=True))
        _remote_rows(out, urls, [by_url[u] for u in urls])
        table = pq.read_table(out)
        infos = [fs.info(u) for u in urls]
        assert table.column("etag").to_pylist() == [i["ETag"] for i in infos]
        mtimes = table.column("mtime").cast("int64").to_pylist()
        assert mtimes == [round(i["LastModified"].timestamp() * 10**6) * 1000 for i in infos]
        # Nothing changed: nothing is read. A rewritten object (same size, new bytes and
        # ETag) is read again.
        status, text, _ = index("s3://idx/study/", "-o", out, *so)
        assert f"(0 read, {len(files)} unchanged, 0 removed)" in text
        ct = "s3://idx/study/CT_small.dcm"
        data = fs.cat(ct).replace(b"CompressedSamples^CT1", b"CompressedSamples^CT5")
        fs.pipe(ct, data)
        status, text, _ = index("s3://idx/study/", "-o", out, *so)
        assert f"(1 read, {len(files) - 1} unchanged, 0 removed)" in text
        rows = {r["path"]: r for r in pq.read_table(out).to_pylist()}
        assert rows[ct]["PatientName"] == "CompressedSamples^CT5"
        # A glob of URLs, and a bucket that is not there.
        status, text, err = index("s3://idx/*/x.dcm", "-o", tmp_path / "g.parquet", *so)
        assert status == 0 and "1 files (1 read" in text, err
        status, _, err = index("s3://nobucket/", "-o", tmp_path / "n.parquet", *so)
        assert status == 1 and "s3://nobucket/" in err


def test_index_of_an_http_listing(folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    pytest.importorskip("aiohttp")
    from remote_support import http_server

    files, names = _tree(folder)
    out = tmp_path / "http.parquet"
    with http_server() as (base, served):
        for p, name in zip(files, names, strict=True):
            served.files[f"site/{name}"] = p.read_bytes()
        status, text, err = index(f"{base}/site/", "-o", out, "--workers", "2")
        assert status == 0, err
        urls = sorted(f"{base}/site/{n}" for n in names)
        by_url = dict(zip((f"{base}/site/{n}" for n in names), map(str, files), strict=True))
        _remote_rows(out, urls, [by_url[u] for u in urls])
        # Headers only: fewer bytes than the files hold.
        assert served.sent < sum(p.stat().st_size for p in files) // 2
        # An HTTP server gives no time or ETag: unchanged sizes are not read again.
        status, text, _ = index(f"{base}/site/", "-o", out)
        assert f"(0 read, {len(files)} unchanged, 0 removed)" in text
        del served.files["site/notes.txt"]
        status, text, _ = index(f"{base}/site/", "-o", out)
        assert f"(0 read, {len(files) - 1} unchanged, 1 removed)" in text
