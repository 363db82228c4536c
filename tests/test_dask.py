"""`rs_dicom.dask` on a `distributed.LocalCluster` of 2 worker processes: the scan equals
`rs_dicom.scan` and the frames array equals pydicom's `pixel_array` of every file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rs_dicom
from conformance import corpus_files

if os.environ.get("CI") == "true":
    # under CI a missing dask, distributed or pyarrow is a failure, not a skip
    import dask.array
    import dask.dataframe
    import distributed
    import pyarrow as pa
else:
    dask = pytest.importorskip("dask")
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    pa = pytest.importorskip("pyarrow")

import pandas as pd  # noqa: E402  (a dependency of dask.dataframe)
import rs_dicom.dask as rdask  # noqa: E402

TAGS = [
    *rs_dicom._scan.DEFAULT_TAGS,
    "AcquisitionDate",
    "WindowCenter",
    "SmallestImagePixelValue",
    "FrameIncrementPointer",
    "TransferSyntaxUID",
    "FileMetaInformationVersion",
]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A cluster of 2 single-threaded worker processes on the loopback interface."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # None would mean the default: port 8787 on every interface
            dashboard_address="127.0.0.1:0",
            memory_limit="1GiB",
        ) as cluster,
        distributed.Client(cluster, timeout="60s") as c,
    ):
        yield c


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return [str(p) for p in corpus_files()]


def _pydicom_pixels(path: str) -> np.ndarray:
    import pydicom

    return pydicom.dcmread(path).pixel_array


def _copies(folder: Path, source: str, count: int) -> list[str]:
    """``count`` copies of a test file with new SOP Instance UIDs (written by rs_dicom)."""
    from rs_dicom.uid import generate_uid

    ds = rs_dicom.dcmread(source)
    out = []
    for i in range(count):
        uid = generate_uid()
        ds.SOPInstanceUID = uid
        ds.file_meta.MediaStorageSOPInstanceUID = uid
        p = folder / f"{Path(source).stem}_{i}.dcm"
        ds.save_as(p)
        out.append(str(p))
    return out


def _testdata(name: str) -> str:
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name)
    assert path is not None, name
    return str(path)


def test_scan_on_the_cluster_equals_the_local_scan(client: Any, corpus: list[str]) -> None:
    ddf = rdask.scan(corpus, TAGS, files_per_partition=40)
    assert ddf.npartitions == -(-len(corpus) // 40)
    assert ddf.known_divisions
    assert list(ddf.columns[:5]) == [
        "path",
        "size",
        "error",
        "transfer_syntax_uid",
        "sop_class_uid",
    ]
    assert list(ddf.columns[5:]) == TAGS
    got = ddf.compute()
    want = rs_dicom.scan(corpus, TAGS, workers=1)
    assert list(got.index) == list(range(len(corpus)))
    back = pa.Table.from_pandas(got, preserve_index=False).replace_schema_metadata(None)
    # pandas keeps no nullability: the scan's non-null `path` comes back nullable.
    assert [(f.name, f.type) for f in back.schema] == [(f.name, f.type) for f in want.schema]
    assert back.cast(want.schema).equals(want)
    # The lazy frame's dtypes (from the schema) are those of the computed partitions.
    assert dict(ddf.dtypes) == dict(got.dtypes)
    assert isinstance(got["StudyDate"].dtype, pd.ArrowDtype)
    errors = want.column("error").to_pylist()
    assert int(got["error"].notna().sum()) == sum(e is not None for e in errors) > 0


def test_scan_partitions_are_lazy_and_selectable(client: Any, tmp_path: Path) -> None:
    files = _copies(tmp_path, _testdata("CT_small.dcm"), 5)
    (tmp_path / "junk.dcm").write_bytes(b"not dicom at all")
    ddf = rdask.scan(str(tmp_path / "*.dcm"), ["SOPInstanceUID", "Rows"], files_per_partition=2)
    assert ddf.npartitions == 3
    rows = ddf[ddf["error"].isna()].compute()
    assert sorted(rows["path"]) == sorted(files)
    assert set(rows["Rows"]) == {128}
    uids = [str(rs_dicom.dcmread(f).SOPInstanceUID) for f in sorted(files)]
    assert list(rows.sort_values("path")["SOPInstanceUID"]) == uids
    bad = ddf.partitions[2].compute()
    assert list(bad["path"]) == [files[4], str(tmp_path / "junk.dcm")]
    assert list(bad["error"].notna()) == [False, True]


def test_empty_scan_has_the_schema(client: Any, tmp_path: Path) -> None:
    ddf = rdask.scan(tmp_path, ["StudyDate"])
    got = ddf.compute()
    assert len(got) == 0
    assert got["StudyDate"].dtype == pd.ArrowDtype(pa.date32())


@pytest.mark.parametrize("chunks", ["file", "frame"])
def test_frames_equal_pydicom_pixel_arrays(client: Any, tmp_path: Path, chunks: str) -> None:
    # Native multi-frame, RLE multi-frame (one frame decoded per task) and written copies.
    files = [
        _testdata("emri_small.dcm"),
        _testdata("emri_small_RLE.dcm"),
        *_copies(tmp_path, _testdata("emri_small_big_endian.dcm"), 1),
    ]
    arr = rdask.frames(files, chunks=chunks)
    want = np.concatenate([_pydicom_pixels(f) for f in files])
    assert arr.shape == want.shape == (30, 64, 64)
    assert arr.dtype == want.dtype.newbyteorder("=")
    assert arr.numblocks[0] == (3 if chunks == "file" else 30)
    got = arr.compute()
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(arr[12].compute(), want[12])


def test_single_frame_colour_files_stack(client: Any, tmp_path: Path) -> None:
    files = [_testdata("SC_rgb.dcm"), _testdata("SC_rgb_rle.dcm")]
    arr = rdask.frames(files)
    want = np.stack([_pydicom_pixels(f) for f in files])
    assert arr.shape == want.shape and arr.dtype == want.dtype
    np.testing.assert_array_equal(arr.compute(), want)
    mean = arr.mean(axis=(1, 2)).compute()
    np.testing.assert_allclose(mean, want.mean(axis=(1, 2)))


def test_frames_of_different_shapes_are_refused(tmp_path: Path) -> None:
    files = [_testdata("CT_small.dcm"), _testdata("emri_small.dcm")]
    with pytest.raises(ValueError, match="one shape and dtype"):
        rdask.frames(files, files_per_task=1)
    with pytest.raises(ValueError, match="'file' or 'frame'"):
        rdask.frames(files, chunks="slice")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no files"):
        rdask.frames(tmp_path)


def test_dask_is_imported_only_when_used() -> None:
    import subprocess
    import sys

    code = (
        "import sys, rs_dicom\n"
        "m = rs_dicom.dask\n"
        "assert m.__name__ == 'rs_dicom.dask'\n"
        "assert 'dask' not in sys.modules and 'distributed' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_scan_of_s3_urls_on_the_cluster_equals_the_local_scan(
    client: Any, corpus: list[str]
) -> None:
    """URL partitions are read on the workers, with the storage options sent along."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    from remote_support import moto_s3, s3_bucket

    picked = corpus[:: max(1, len(corpus) // 6)][:6]
    with moto_s3() as options:
        fs = s3_bucket(options, "dask")
        urls = [f"s3://dask/{n}-{Path(p).name}" for n, p in enumerate(picked)]
        for path, url in zip(picked, urls, strict=True):
            fs.pipe(url.removeprefix("s3://"), Path(path).read_bytes())
        urls.append("s3://dask/missing.dcm")
        ddf = rdask.scan(urls, TAGS, files_per_partition=3, storage_options=options)
        assert ddf.npartitions == 3
        got = ddf.compute()
        want = rs_dicom.scan(urls, TAGS, workers=1, storage_options=options)
    back = pa.Table.from_pandas(got, preserve_index=False).replace_schema_metadata(None)
    assert back.cast(want.schema).equals(want)
    assert list(got["path"]) == urls
    assert got["error"].iloc[-1] is not None and "missing.dcm" in got["error"].iloc[-1]
    assert got["error"].iloc[:-1].isna().sum() > 0
