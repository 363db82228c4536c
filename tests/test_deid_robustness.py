"""De-identification of damaged files: seeded random byte changes and truncations of real
files are de-identified or refused with a DicomError naming the reason, never a panic, and
nothing is written for a refused file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import rs_dicom
from pydicom.data import get_testdata_file
from rs_dicom import deid

SOURCES = ("CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "test-SR.dcm", "SC_rgb_rle.dcm")


def _mutants(rng: random.Random, data: bytes, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        b = bytearray(data)
        if rng.random() < 0.3:
            b = b[: rng.randrange(132, len(b))]
        for _ in range(rng.randrange(1, 12)):
            at = rng.randrange(132, len(b))
            b[at] = rng.randrange(256)
        out.append(bytes(b))
    return out


# The Basic Profile alone, and the options whose code reads more of the file: structured
# content (SR trees, by-reference positions), file-declared private actions, and decoding and
# re-encoding compressed pixel data for Clean Pixel Data.
OPTIONS = [
    {},
    {
        "options": ("clean_structured_content", "retain_safe_private", "clean_pixel_data"),
        "pixel_rules": [deid.PixelRule(regions=[(1, 1, 4, 4)])],
    },
]


@pytest.mark.parametrize("kwargs", OPTIONS, ids=["basic", "options"])
def test_damaged_files_are_refused_cleanly(tmp_path: Path, kwargs: dict) -> None:
    rng = random.Random(20261205)
    jobs = []
    for name in SOURCES:
        data = Path(get_testdata_file(name)).read_bytes()
        for n, mutant in enumerate(_mutants(rng, data, 60)):
            src = tmp_path / "in" / f"{name}.{n}.dcm"
            src.parent.mkdir(exist_ok=True)
            src.write_bytes(mutant)
            jobs.append((src, tmp_path / "out" / src.name))
    engine = deid.Anonymizer(key=b"robustness-key-0123456789", audit=True, **kwargs)
    results = engine.anonymize_files(jobs)
    done = 0
    for r in results:
        if r.error is None:
            done += 1
            assert Path(r.output).exists() and r.audit is not None
        else:
            assert isinstance(r.error, (rs_dicom.DicomError, OSError)), repr(r.error)
            assert not Path(r.output).exists()
    assert done > 0
