"""Every file of pydicom and pydicom-data with native (or no) pixel data, read and saved in
Implicit VR Little Endian, Explicit VR Little Endian, Explicit VR Big Endian and Deflated
Explicit VR Little Endian, then checked by write_oracles.problems: read back by rs_dicom and
by pydicom equal element by element, group lengths right, parsed by DCMTK's dcmdump, and no
dciodvfy error the input did not have.

The whole corpus is marked slow; a subset covering each source encoding, character sets,
private and UN sequences, a DICOMDIR, a palette, wrong group lengths and a file with no
preamble or meta runs by default.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402
from write_check import (  # noqa: E402
    UNCOMPRESSED,
    is_encapsulated,
    read_rs,
    save_bytes,
)
from write_oracles import problems  # noqa: E402

# Cut short, or not read at all (see test_write_roundtrip.py).
SKIP = {"MR_truncated.dcm", "rtplan_truncated.dcm", "DICOMDIR-nooffset", "no_meta.dcm"}

# Values that do not fit an encoding: a clean DicomError naming the tag is the right answer.
# (file, syntax) -> the tag named. (None in the corpus today.)
CANNOT_ENCODE: dict[tuple[str, str], str] = {}

FAST = {
    "CT_small.dcm",  # explicit VR little endian
    "MR_small_implicit.dcm",  # implicit VR
    "MR_small_bigendian.dcm",  # big endian
    "image_dfl.dcm",  # deflated
    "ExplVR_LitEndNoMeta.dcm",  # no preamble, no file meta
    "chrH32.dcm",  # ISO 2022 Japanese
    "chrSQEncoding.dcm",  # a character set inside a sequence item
    "nested_priv_SQ.dcm",  # private sequences in implicit VR
    "693_UNCI.dcm",  # wrong group lengths
    "DICOMDIR",  # nested records of defined lengths
    "fall.dcm",  # no Pixel Representation: US/SS cannot be told apart in implicit VR
    "rtplan.dcm",  # deep sequences
}


def _sources() -> list[Path]:
    out = []
    for p in corpus_files():
        if p.name in SKIP:
            continue
        if not is_encapsulated(read_rs(p)[0]):
            out.append(p)
    return out


SOURCES = _sources()
CASES = [
    pytest.param(p, name, marks=() if p.name in FAST else pytest.mark.slow, id=f"{p.name}-{name}")
    for p in SOURCES
    for name in UNCOMPRESSED
]


@pytest.mark.parametrize(("path", "syntax"), CASES)
def test_saved_in_every_encoding_reads_back_equal(path: Path, syntax: str, tmp_path: Path) -> None:
    uid = UNCOMPRESSED[syntax]
    ds, _ = read_rs(path)
    key = (path.name, syntax)
    if key in CANNOT_ENCODE:
        with pytest.raises(rs_dicom.DicomError, match=re.escape(CANNOT_ENCODE[key])):
            save_bytes(ds, uid)
        return
    # A dataset read without preamble and file meta is written as read unless asked for the
    # file format (as pydicom does); asked, it comes out as a Part 10 file.
    no_preamble = ds.preamble is None
    data = save_bytes(ds, uid, enforce=no_preamble)
    out = tmp_path / f"out-{syntax}.dcm"
    out.write_bytes(data)
    if no_preamble:
        assert data[128:132] == b"DICM"
        back = rs_dicom.dcmread(str(out))  # no force needed
        meta = {e.keyword for e in back.file_meta}
        assert {"FileMetaInformationGroupLength", "FileMetaInformationVersion"} <= meta
        assert {"TransferSyntaxUID", "ImplementationClassUID"} <= meta
    found = list(problems(path, out, uid))
    assert found == [], "\n".join(found[:20])


def test_every_encoding_is_covered() -> None:
    assert len(SOURCES) > 150
    assert {read_rs(p)[0].transfer_syntax_uid for p in SOURCES} >= set(UNCOMPRESSED.values())
    assert FAST <= {p.name for p in SOURCES}
