"""DCMTK- and GDCM-made variants of the corpus files in every uncompressed transfer syntax and
deflated (other writers' choices of lengths, padding, group lengths and meta): each is saved
unmodified (byte-identical to the variant) and in every other encoding, checked by
write_oracles.problems (rs_dicom and pydicom read it equal, dcmdump parses it, dciodvfy finds
no new error).

The variants of the whole corpus are marked slow; those of a few files run by default.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402
from helpers import reference_tool  # noqa: E402
from test_write_roundtrip import NOT_IDENTICAL, NOT_WRITABLE, UNREADABLE  # noqa: E402
from write_check import UNCOMPRESSED, is_encapsulated, read_rs, save_bytes  # noqa: E402
from write_oracles import problems  # noqa: E402

DCMTK = {"te": "+te", "ti": "+ti", "tb": "+tb", "td": "+td"}
GDCM = {"explicit": "--explicit", "implicit": "--implicit", "deflated": "--deflated"}
FAST = {"CT_small.dcm", "MR_small_bigendian.dcm", "rtplan.dcm", "nested_priv_SQ.dcm"}


def _variant_sources() -> list[Path]:
    """Corpus files with native (or no) pixel data that read as Part 10 files: what DCMTK and
    GDCM convert between the uncompressed transfer syntaxes."""
    out = []
    for p in corpus_files():
        if p.name in UNREADABLE | NOT_WRITABLE or p.stat().st_size > 3_000_000:
            continue
        try:
            ds = rs_dicom.dcmread(str(p))
        except rs_dicom.DicomError:
            continue
        if ds.file_meta is None or len(ds.file_meta) == 0 or is_encapsulated(ds):
            continue
        out.append(p)
    return out


SOURCES = _variant_sources()


def make_variants(sources: list[Path], root: Path) -> dict[Path, Path]:
    """Each source converted by dcmconv and gdcmconv into every syntax they write: variant ->
    source. A conversion the tool refuses is left out."""
    dcmconv = reference_tool("dcmconv")
    gdcmconv = reference_tool("gdcmconv")
    made = {}
    for i, src in enumerate(sources):
        jobs = [(f"dcmtk-{n}", [dcmconv, "-q", flag]) for n, flag in DCMTK.items()]
        jobs += [(f"gdcm-{n}", [gdcmconv, "-q", flag]) for n, flag in GDCM.items()]
        for kind, cmd in jobs:
            dst = root / f"{i:03d}.{src.name}.{kind}.dcm"
            proc = subprocess.run([*cmd, str(src), str(dst)], capture_output=True, check=False)
            if proc.returncode == 0 and dst.exists():
                made[dst] = src
    return made


def check_variants(variants: dict[Path, Path], out: Path) -> list[str]:
    failures = []
    for v, src in variants.items():
        ds, _ = read_rs(v)
        own = ds.transfer_syntax_uid
        if src.name not in NOT_IDENTICAL and save_bytes(ds) != v.read_bytes():
            failures.append(f"{v.name}: the unmodified save is not byte-identical")
        for name, uid in UNCOMPRESSED.items():
            if uid == own:
                continue
            ds, _ = read_rs(v)
            dst = out / f"{v.stem}.as-{name}.dcm"
            dst.write_bytes(save_bytes(ds, uid))
            failures += problems(v, dst, uid)
            dst.unlink()
    return failures


def test_variants_of_a_few_files(tmp_path: Path) -> None:
    sources = [p for p in SOURCES if p.name in FAST]
    variants = make_variants(sources, tmp_path)
    assert len(variants) >= 6 * len(FAST)
    failures = check_variants(variants, tmp_path)
    assert failures == [], "\n".join(failures[:30])


@pytest.mark.slow
def test_variants_of_the_corpus(tmp_path: Path) -> None:
    variants = make_variants(SOURCES, tmp_path)
    assert len(variants) > 1000, f"only {len(variants)} variants were made"
    kinds = {v.name.split(".")[-2] for v in variants}
    assert kinds >= {f"dcmtk-{k}" for k in DCMTK} | {f"gdcm-{k}" for k in GDCM}
    failures = check_variants(variants, tmp_path)
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures[:40])
