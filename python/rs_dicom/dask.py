"""Header scans and pixel data as Dask collections, for archives one machine cannot hold.

:func:`scan` is :func:`rs_dicom.scan` cut into partitions of files: each partition is scanned
where Dask runs it (a ``distributed`` worker, or local threads) and the frame equals the
single-machine table. :func:`frames` stacks the frames of many files into one lazy
``dask.array``, its shape and dtype read from the files' headers, one chunk per file or per
frame. Dask (the ``rs-dicom[dask]`` extra) is imported only here, only when used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from rs_dicom._scan import expand_paths, resolve_tags

if TYPE_CHECKING:
    import dask.array
    import dask.dataframe
    import numpy
    import pandas

__all__ = ["frames", "scan"]


def _import(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"rs_dicom.dask needs {module}: pip install 'rs-dicom[dask]'") from exc


def _partitions(files: Sequence[str], size: int) -> list[tuple[int, list[str]]]:
    """``(first row, files)`` of each partition; an empty input is one empty partition."""
    if size < 1:
        raise ValueError("files_per_partition must be at least 1")
    starts = range(0, len(files), size) if files else range(1)
    return [(s, list(files[s : s + size])) for s in starts]


def _to_pandas(table: Any, start: int) -> pandas.DataFrame:
    """A scan table as pandas with Arrow dtypes (every type and null kept as scanned), indexed
    by row number in the whole scan."""
    pd = _import("pandas")
    df = table.to_pandas(types_mapper=pd.ArrowDtype)
    df.index = pd.RangeIndex(start, start + len(df))
    return df


def _scan_partition(
    part: tuple[int, list[str]],
    tags: list[int],
    workers: int | None,
    storage_options: dict[str, Any] | None,
) -> Any:
    from rs_dicom._scan import scan as scan_files

    start, files = part
    table = scan_files(files, tags, workers=workers, storage_options=storage_options)
    return _to_pandas(table, start)


def scan(
    paths: Any,
    tags: Iterable[Any] | None = None,
    *,
    recursive: bool = True,
    files_per_partition: int = 2000,
    workers: int | None = 1,
    storage_options: dict[str, Any] | None = None,
) -> dask.dataframe.DataFrame:
    """The headers of DICOM files as a lazy Dask DataFrame, one row per file.

    Same arguments, columns and values as :func:`rs_dicom.scan`; the paths are expanded here
    (the directory or glob must be readable where the partitions run, as on a shared file
    system) and cut into partitions of ``files_per_partition`` files, each scanned by
    :func:`rs_dicom.scan` with ``workers`` threads (default 1: Dask runs partitions in parallel
    already). URLs are read where the partitions run, by range requests, with
    ``storage_options`` for fsspec (sent to the workers with each partition: an S3 endpoint,
    keys). Columns have pandas Arrow dtypes (``pandas.ArrowDtype``), so dates, times, lists
    and nullable integers stay as scanned; the index is the row number in the whole scan
    (known divisions), so ``df.compute()`` equals
    ``rs_dicom.scan(...).to_pandas(types_mapper=pandas.ArrowDtype)``.
    """
    dd = _import("dask.dataframe")
    pa = _import("pyarrow")
    from rs_dicom import _core

    numbers = resolve_tags(tags)
    schema = pa.schema(_core.Scanner(numbers).schema())
    files = expand_paths(paths, recursive, storage_options)
    parts = _partitions(files, files_per_partition)
    meta = _to_pandas(schema.empty_table(), 0)
    divisions = [start for start, _ in parts] + [max(len(files) - 1, 0)]
    return dd.from_map(
        _scan_partition,
        parts,
        args=(numbers, workers, storage_options),
        meta=meta,
        divisions=divisions,
        label="rs-dicom-scan",
        enforce_metadata=False,
    )


def _header(path: str) -> tuple[int, tuple[int, ...], str]:
    """Frames, the shape of one frame and the dtype of a file's pixel data (structure only:
    no pixel is decoded)."""
    import rs_dicom

    pixels = rs_dicom.dcmread(path).pixel_data
    if pixels is None:
        raise ValueError(f"{path}: no pixel data")
    spp = int(pixels.samples_per_pixel)
    frame = (int(pixels.rows), int(pixels.columns)) + ((spp,) if spp > 1 else ())
    return int(pixels.frames), frame, str(pixels.dtype)


def _headers(paths: list[str]) -> list[tuple[int, tuple[int, ...], str]]:
    return [_header(p) for p in paths]


def _load(path: str, first: int, count: int, frame: tuple[int, ...], dtype: str) -> numpy.ndarray:
    """Frames ``first .. first + count`` of a file, shaped ``(count, *frame)``."""
    import numpy as np

    import rs_dicom

    pixels = rs_dicom.dcmread(path).pixel_data
    if pixels is None:
        raise ValueError(f"{path}: no pixel data")
    if count == 1:
        arr = np.asarray(pixels.frame(first))
    else:
        arr = np.asarray(pixels)
    out = arr.reshape((count, *frame))
    # Big-endian files decode to big-endian arrays; the chunk has the native dtype.
    return out.astype(dtype, copy=False)


def frames(
    paths: Any,
    *,
    recursive: bool = True,
    chunks: Literal["file", "frame"] = "file",
    files_per_task: int = 256,
) -> dask.array.Array:
    """The frames of DICOM files as one lazy Dask array of shape ``(frames, rows, columns)``
    (``(frames, rows, columns, samples)`` for colour), in path order.

    Each file adds its frames (one for a single-frame image), decoded like its
    ``pixel_array`` (YBR as RGB, rescale not applied). The files' headers are read first, as
    Dask tasks of ``files_per_task`` files, for the shape and dtype; files whose frames differ
    in size, samples or dtype are refused (scan and group them by series first). A chunk is
    one file (``chunks="file"``) or one frame (``chunks="frame"``, each task decoding only
    its frame).
    """
    import dask
    from dask.highlevelgraph import HighLevelGraph

    da = _import("dask.array")
    if chunks not in ("file", "frame"):
        raise ValueError(f"chunks is 'file' or 'frame', not {chunks!r}")
    files = expand_paths(paths, recursive)
    if not files:
        raise ValueError("no files to read")
    tasks = [dask.delayed(_headers)(p) for _, p in _partitions(files, files_per_task)]
    heads = [h for part in dask.compute(*tasks) for h in part]
    _, frame, dtype = heads[0]
    for path, (_, f, d) in zip(files, heads, strict=True):
        if (f, d) != (frame, dtype):
            raise ValueError(
                f"{path}: frames of {f} {d}, but {files[0]} has frames of {frame} {dtype}: "
                "one array needs frames of one shape and dtype"
            )
    name = "rs-dicom-frames-" + dask.base.tokenize(files, chunks)
    zeros = (0,) * len(frame)
    dsk: dict[Any, Any] = {}
    sizes: list[int] = []
    for path, (n, _, _) in zip(files, heads, strict=True):
        pieces = [(0, n)] if chunks == "file" else [(i, 1) for i in range(n)]
        for first, count in pieces:
            dsk[(name, len(sizes), *zeros)] = (_load, path, first, count, frame, dtype)
            sizes.append(count)
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=())
    all_chunks = (tuple(sizes), *((s,) for s in frame))
    return da.Array(graph, name, all_chunks, dtype=dtype)
