"""`rs_dicom.scan` against pydicom: every value of every corpus file, as pydicom reads the
same element (`dcmread(stop_before_pixels=True)`) and converts it (`valuerep.DA/TM/DT`,
`float`, `int`); files pydicom cannot read are error rows."""

from __future__ import annotations

import datetime
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
import rs_dicom
from conformance import corpus_files
from rs_dicom._scan import DEFAULT_TAGS
from test_conformance import KNOWN

pa = pytest.importorskip("pyarrow")

# The default tags and more of every VR family: dates and times, multi-valued numbers,
# "US or SS", AT, the file meta group, binary.
TAGS = list(DEFAULT_TAGS) + [
    "AcquisitionDate",
    "AcquisitionTime",
    "InstanceCreationDate",
    "InstanceCreationTime",
    "WindowCenter",
    "WindowWidth",
    "SmallestImagePixelValue",
    "LargestImagePixelValue",
    "FrameIncrementPointer",
    "SpecificCharacterSet",
    "PatientWeight",
    "FrameTime",
    "TimezoneOffsetFromUTC",
    "TransferSyntaxUID",
    "FileMetaInformationVersion",
]


def _pydicom_read(path: Path) -> Any:
    """pydicom's header read, or None where pydicom (without force) cannot read the file."""
    import pydicom

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:
            return None


def _convert(value: Any, vr: str) -> Any:
    """One pydicom value as the scan's column holds it (None where pydicom refuses it)."""
    from pydicom import valuerep

    if value is None or value == "":
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if vr == "DA":
                return valuerep.DA(str(value))
            if vr == "TM":
                return valuerep.TM(str(value))
            if vr == "DT":
                dt = valuerep.DT(str(value))
                return None if dt is None else dt.replace(tzinfo=None)
            if vr in ("DS", "FL", "FD"):
                return float(value)
            if vr in ("IS", "US", "UL", "SS", "SL", "SV", "UV", "AT"):
                return int(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return str(value)


def _expected(ds: Any, keyword: str, list_column: bool) -> Any:
    from pydicom.datadict import dictionary_VR, tag_for_keyword
    from pydicom.multival import MultiValue

    tag = tag_for_keyword(keyword)
    where = ds.file_meta if tag >> 16 == 2 else ds
    if where is None or tag not in where:
        return None
    vr = dictionary_VR(tag).split(" or ")[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = where[tag].value
    except (ValueError, TypeError, OverflowError):
        value = "<invalid>"
    if vr in ("OB", "OW", "UN"):
        return bytes(value) if value else b""
    if value is None or value == "":
        return [] if list_column else None
    values = list(value) if isinstance(value, MultiValue | list) else [value]
    if vr not in ("DA", "TM", "DT", "DS", "FL", "FD", "IS", "US", "UL", "SS", "SL", "AT"):
        values = ["" if v is None else str(v) for v in values]
        return values if list_column else "\\".join(values)
    converted = [_convert(v, vr) if v != "<invalid>" else None for v in values]
    return converted if list_column else converted[0]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime.time) and isinstance(b, datetime.time):
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return a == b


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return [str(p) for p in corpus_files()]


@pytest.fixture(scope="module")
def table(corpus: list[str]) -> Any:
    return rs_dicom.scan(corpus, TAGS, workers=2)


def test_every_value_agrees_with_pydicom(corpus: list[str], table: Any) -> None:
    rows = table.to_pylist()
    assert [r["path"] for r in rows] == corpus
    list_columns = {f.name for f in table.schema if pa.types.is_list(f.type)}
    mismatches: list[str] = []
    read = 0
    for row in rows:
        ds = _pydicom_read(Path(row["path"]))
        assert row["size"] == os.path.getsize(row["path"])
        if ds is None:
            if row["error"] is None:
                mismatches.append(f"{row['path']}: pydicom fails, the scan has no error")
            continue
        if row["error"] is not None and KNOWN.get(Path(row["path"]).name) == "rs-error":
            # Deliberate differences from pydicom (see test_conformance.KNOWN): rs_dicom's
            # own reader refuses these files with the same message.
            with pytest.raises(rs_dicom.DicomError) as info:
                rs_dicom.dcmread(row["path"], stop_before_pixels=True)
            assert str(info.value).startswith(row["error"])
            continue
        if row["error"] is not None:
            mismatches.append(f"{row['path']}: scan error {row['error']!r}, pydicom reads it")
            continue
        read += 1
        ts = ds.file_meta.get("TransferSyntaxUID") if ds.file_meta else None
        sop = ds.get("SOPClassUID")
        assert row["transfer_syntax_uid"] == (str(ts) if ts else None), row["path"]
        assert row["sop_class_uid"] == (str(sop) if sop else None), row["path"]
        for kw in TAGS:
            want = _expected(ds, kw, kw in list_columns)
            if not _same(row[kw], want):
                mismatches.append(f"{row['path']}: {kw}: scan {row[kw]!r}, pydicom {want!r}")
    assert read > 100
    assert not mismatches, "\n".join(mismatches[:40]) + f"\n({len(mismatches)} in all)"


def test_types_follow_the_dictionary(table: Any) -> None:
    types = {f.name: f.type for f in table.schema}
    assert types["StudyDate"] == pa.date32()
    assert types["StudyTime"] == pa.time64("us")
    assert types["AcquisitionDateTime"] == pa.timestamp("us")
    assert types["SliceThickness"] == pa.float64()
    assert types["PixelSpacing"] == pa.list_(pa.float64())
    assert types["Rows"] == pa.int64()
    assert types["InstanceNumber"] == pa.int64()
    assert types["ImageType"] == pa.list_(pa.string())
    assert types["PatientName"] == pa.string()
    assert types["FileMetaInformationVersion"] == pa.binary()
    assert table.column_names[:5] == [
        "path",
        "size",
        "error",
        "transfer_syntax_uid",
        "sop_class_uid",
    ]
    assert table.column_names[5:] == TAGS


def test_one_and_two_workers_give_the_same_table(corpus: list[str], table: Any) -> None:
    assert rs_dicom.scan(corpus, TAGS, workers=1).equals(table)


def test_bad_files_are_rows(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("not dicom")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "empty.dcm").write_bytes(b"")
    t = rs_dicom.scan([tmp_path, tmp_path / "missing.dcm"], ["PatientName"])
    rows = t.to_pylist()
    assert [Path(r["path"]).name for r in rows] == ["a.txt", "empty.dcm", "missing.dcm"]
    assert all(r["error"] for r in rows)
    assert "DICM" in rows[0]["error"] or "DICOM" in rows[0]["error"]
    assert rows[2]["size"] is None
    assert rs_dicom.scan(tmp_path, ["PatientName"], recursive=False).num_rows == 1


def test_tags_are_keywords_numbers_or_pairs(corpus: list[str]) -> None:
    t = rs_dicom.scan(corpus[:20], ["PatientID", 0x00100010, (0x0028, 0x0010), "0009,0010"])
    assert t.column_names[5:] == ["PatientID", "PatientName", "Rows", "00090010"]
    assert t.schema.field("00090010").type == pa.binary()
    with pytest.raises(ValueError, match="sequence"):
        rs_dicom.scan(corpus[:1], ["ReferencedImageSequence"])
    with pytest.raises(ValueError, match="unknown tag"):
        rs_dicom.scan(corpus[:1], ["NoSuchKeyword"])


def test_empty_input_has_the_schema(tmp_path: Path) -> None:
    t = rs_dicom.scan(tmp_path, ["StudyDate"])
    assert t.num_rows == 0
    assert t.schema.field("StudyDate").type == pa.date32()


def test_pandas_and_polars_read_the_table(table: Any) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    df = table.to_pandas()
    assert len(df) == table.num_rows
    assert list(df["path"]) == table.column("path").to_pylist()
    assert pd.api.types.is_float_dtype(df["SliceThickness"])
    frame = pl.from_arrow(table)
    assert frame.height == table.num_rows
    assert frame.schema["StudyDate"] == pl.Date
    assert frame["Rows"].to_list() == table.column("Rows").to_pylist()


def test_a_folder_scans_as_its_listed_files(corpus: list[str], tmp_path: Path) -> None:
    """A folder is listed and read in Rust, sub-folders in parallel: the rows are those of
    its files listed by ``expand_paths`` (each folder sorted by name, files and sub-folders
    in one order)."""
    import shutil

    from rs_dicom._scan import _walk, expand_paths

    for i, src in enumerate(corpus[:60]):
        sub = tmp_path / ("a" if i % 3 else "b") / (f"s{i % 4}" if i % 2 else "")
        sub.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, sub / f"f{i:02}_{Path(src).name}")
    (tmp_path / "top.dcm").write_bytes(Path(corpus[0]).read_bytes())
    for recursive in (True, False):
        files = expand_paths(tmp_path, recursive)
        assert files == list(_walk(str(tmp_path), recursive))
        lister = rs_dicom._core.Scanner([0x00100010])
        assert lister.list_files(str(tmp_path), recursive, 2) == files
        assert lister.list_files(f"{tmp_path}/", recursive, 1) == list(
            _walk(f"{tmp_path}/", recursive)
        )
        for workers in (1, 2):
            got = rs_dicom.scan(tmp_path, TAGS, recursive=recursive, workers=workers)
            assert got.equals(rs_dicom.scan(files, TAGS, workers=workers)), (recursive, workers)
        assert got.num_rows == len(files)
