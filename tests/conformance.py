"""Element-by-element comparison of rs_dicom against pydicom (the oracle).

Used by tests/test_conformance.py and runnable as a script for a summary:
``python tests/conformance.py`` prints one line per file and the pass count.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import rs_dicom

SKIP_SUFFIXES = {".py", ".pyc", ".json", ".txt", ".md", ".gz", ".bz2", ".xz", ".zip", ".npy"}
# Not DICOM at all (pydicom's force=True reads them into junk, rs_dicom refuses them).
SKIP_SUFFIXES |= {".dump", ".icc"}
SKIP_NAMES = {"README"}
SKIP_SUFFIXES |= {".jpg", ".jpeg", ".j2k", ".jp2", ".jls", ".png", ".pdf", ".xml", ".csv"}


def corpus_files() -> list[Path]:
    """Every data file shipped in the pydicom and pydicom-data packages."""
    import pydicom

    roots = [Path(pydicom.__file__).parent / "data"]
    try:
        import data_store  # pydicom-data

        roots.append(Path(data_store.__file__).parent / "data")
    except ImportError:
        pass
    files: list[Path] = []
    for root in roots:
        for p in sorted(root.rglob("*")):
            if not p.is_file() or p.suffix.lower() in SKIP_SUFFIXES or p.name in SKIP_NAMES:
                continue
            if "__pycache__" in p.parts or p.name.startswith("."):
                continue
            files.append(p)
    return files


def read_pydicom(path: Path) -> tuple[Any, bool]:
    """pydicom's reading of a file: (dataset, force) — force only when needed."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pydicom.dcmread(path), False
        except InvalidDicomError:
            return pydicom.dcmread(path, force=True), True


def norm_pydicom(value: Any, vr: str) -> Any:
    """A pydicom value in rs_dicom's shapes (lists, str, int, float, bytes)."""
    from pydicom.multival import MultiValue
    from pydicom.sequence import Sequence
    from pydicom.valuerep import PersonName

    if isinstance(value, Sequence):
        return value
    if isinstance(value, (MultiValue, list, tuple)):
        return [norm_pydicom(v, vr) for v in value]
    if isinstance(value, PersonName):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):
        return int(value)
    return value


def norm_rs(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, list):
        return [norm_rs(v) for v in value]
    if isinstance(value, int):  # includes Tag
        return int(value)
    return value


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def compare(pds: Any, rds: Any, path: str = "") -> Iterator[str]:
    """Yields one message per difference between a pydicom and an rs_dicom dataset."""
    ptags = [int(e.tag) for e in pds]
    rtags = [int(e.tag) for e in rds]
    if ptags != rtags:
        missing = sorted(set(ptags) - set(rtags))
        extra = sorted(set(rtags) - set(ptags))
        yield (
            f"{path or 'top'}: tags differ: missing {[f'{t:08X}' for t in missing[:5]]} "
            f"extra {[f'{t:08X}' for t in extra[:5]]}"
        )
    for tag in ptags:
        if tag not in rds:
            continue
        pe = pds[tag]
        re_ = rds[tag]
        where = f"{path}({tag >> 16:04X},{tag & 0xFFFF:04X})"
        pvr = str(pe.VR)
        if pvr != re_.vr:
            yield f"{where}: VR pydicom={pvr} rs_dicom={re_.vr}"
            continue
        if pvr == "SQ":
            pitems = pe.value
            ritems = re_.value
            if len(pitems) != len(ritems):
                yield f"{where}: {len(pitems)} items vs {len(ritems)}"
                continue
            for i, (pi, ri) in enumerate(zip(pitems, ritems, strict=True)):
                yield from compare(pi, ri, f"{where}[{i}].")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                pv = norm_pydicom(pe.value, pvr)
            except Exception as exc:  # pydicom could not convert: nothing to compare with
                pv = f"<pydicom error {type(exc).__name__}>"
        if isinstance(pv, str) and pv.startswith("<pydicom error"):
            continue
        rv = norm_rs(re_.value)
        if not same(pv, rv):
            yield f"{where} {pvr}: pydicom={_short(pv)} rs_dicom={_short(rv)}"


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) < 120 else s[:117] + "..."


def check_file(path: Path) -> tuple[str, list[str]]:
    """('ok'|'diff'|'pydicom-rejects'|'rs-error', messages)."""
    try:
        pds, force = read_pydicom(path)
    except Exception as exc:
        try:
            rs_dicom.dcmread(str(path), force=True)
            return "pydicom-rejects", [f"pydicom: {type(exc).__name__}: {exc}"[:200]]
        except rs_dicom.DicomError as rexc:
            return "pydicom-rejects", [
                f"pydicom: {type(exc).__name__}: {exc}"[:200],
                f"rs_dicom: {rexc}"[:200],
            ]
    try:
        rds = rs_dicom.dcmread(str(path), force=force)
    except rs_dicom.DicomError as exc:
        if force:
            # pydicom needs force=True too, and then reads whatever bytes are there as tags.
            return "both-reject", [f"rs_dicom (force=True): {exc}"[:200]]
        return "rs-error", [str(exc)]
    if len(pds) == 0 and len(rds) > 0:
        return "pydicom-empty", ["pydicom returns an empty dataset; rs_dicom reads it"]
    diffs = list(compare(pds.file_meta, rds.file_meta, "meta:")) if pds.file_meta else []
    diffs += list(compare(pds, rds))
    return ("ok" if not diffs else "diff"), diffs


def main() -> int:
    counts: dict[str, int] = {}
    verbose = bool(os.environ.get("VERBOSE"))
    for p in corpus_files():
        status, msgs = check_file(p)
        counts[status] = counts.get(status, 0) + 1
        if status != "ok":
            print(f"{status:16} {p.name}")
            for m in msgs[: (50 if verbose else 3)]:
                print(f"{'':18}{m}")
    print(counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
