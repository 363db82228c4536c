"""Every file shipped in pydicom and pydicom-data, read by rs_dicom and by pydicom, compared
element by element (tag, VR, value), file meta included, nested sequences recursively."""

from __future__ import annotations

import pytest

pytest.importorskip("pydicom")

from conformance import check_file, corpus_files  # noqa: E402

FILES = corpus_files()

# Files where rs_dicom deliberately differs from pydicom, with the reason. Anything else must
# match exactly.
KNOWN = {
    # A value runs past the end of the file. pydicom returns the short value; rs_dicom raises
    # TruncatedError. (Pixel data cut short is read like pydicom: the header reads and the
    # error comes with the pixels, as for MR_truncated.dcm.)
    "rtplan_truncated.dcm": "rs-error",
    # The last directory record's item length runs past the end of the file.
    "DICOMDIR-nooffset": "rs-error",
}
ACCEPTED = {"ok", "pydicom-rejects", "both-reject", "pydicom-empty"}


def test_corpus_is_there() -> None:
    # pydicom ships ~90 data files and pydicom-data ~70: a short list means a broken install.
    assert len(FILES) > 200, f"only {len(FILES)} corpus files found"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_matches_pydicom(path) -> None:  # type: ignore[no-untyped-def]
    status, messages = check_file(path)
    expected = KNOWN.get(path.name)
    if expected is not None:
        assert status == expected, messages
        return
    assert status in ACCEPTED, "\n".join(messages[:20])
