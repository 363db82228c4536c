"""Compressed pixel data: every encapsulated file in pydicom / pydicom-data decoded by rs_dicom
and by pydicom with its decoder plugins (pylibjpeg-libjpeg, -openjpeg, -rle, pyjpegls), and
lossless files against their uncompressed twins. Lossless must match exactly; lossy within a
stated tolerance (decoders may round IDCTs and upsampling differently)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("pylibjpeg")

import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402

LOSSY = {
    "1.2.840.10008.1.2.4.50",  # JPEG baseline
    "1.2.840.10008.1.2.4.51",  # JPEG extended
    "1.2.840.10008.1.2.4.81",  # JPEG-LS near-lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.4.93",
    "1.2.840.10008.1.2.4.203",  # HTJ2K (lossy allowed)
}
# Max absolute difference allowed for lossy codestreams, per syntax, as a fraction of the
# stored range (2**bits_stored); most files differ by 0 or 1.
LOSSY_TOLERANCE = 0.02


def _compressed_files():
    out = []
    for p in corpus_files():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(p, stop_before_pixels=True)
        except Exception:
            continue
        ts = ds.file_meta.get("TransferSyntaxUID") if ds.file_meta else None
        if ts is None or not ts.is_encapsulated:
            continue
        out.append((p, str(ts)))
    return out


FILES = _compressed_files()


def _pydicom_array(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        return ds, ds.pixel_array


def test_corpus_has_compressed_files() -> None:
    assert len(FILES) > 40


@pytest.mark.parametrize(
    ("path", "ts"),
    FILES,
    ids=[f"{p.name}-{ts.rsplit('.', 2)[-2]}.{ts.rsplit('.', 1)[-1]}" for p, ts in FILES],
)
def test_matches_pydicom_decoders(path: Path, ts: str) -> None:
    try:
        pds, expected = _pydicom_array(path)
    except Exception as exc:
        # pydicom cannot decode it: rs_dicom must fail cleanly or decode, never crash.
        try:
            _ = rs_dicom.dcmread(str(path)).pixel_array
        except (rs_dicom.DicomError, AttributeError):
            pass
        pytest.skip(f"pydicom cannot decode it: {type(exc).__name__}: {exc}"[:200])
    ds = rs_dicom.dcmread(str(path))
    try:
        arr = ds.pixel_array
    except rs_dicom.UnsupportedCodecError as exc:
        if "not supported" in str(exc):  # video and the like: a clear error is the contract
            pytest.skip(str(exc))
        raise
    assert arr.shape == expected.shape, (arr.shape, expected.shape)
    assert arr.dtype == expected.dtype.newbyteorder("="), (arr.dtype, expected.dtype)
    if ts in LOSSY:
        bits = int(pds.get("BitsStored", 8) or 8)
        diff = np.abs(arr.astype(np.int64) - expected.astype(np.int64))
        limit = max(1, int(LOSSY_TOLERANCE * (1 << bits)))
        assert diff.max() <= limit, f"max abs diff {diff.max()} > {limit}"
    else:
        np.testing.assert_array_equal(arr, expected)
    n = ds.pixel_data.frames
    if n > 1:
        last = ds.pixel_data.frame(n - 1)
        np.testing.assert_array_equal(last, arr[n - 1])


def _twins():
    """Lossless compressed files of pydicom-data paired with their uncompressed original."""
    pairs = []
    by_name = {p.name: p for p, _ in FILES}
    for p in corpus_files():
        for suffix in ("_UNCR.dcm", "_UNCI.dcm"):
            if not p.name.endswith(suffix):
                continue
            stem = p.name[: -len(suffix)]
            for lossless in ("_RLE.dcm", "_J2KR.dcm", "_JLSL.dcm", "_JPLL.dcm", "_JPLY.dcm"):
                twin = by_name.get(stem + lossless)
                if twin is not None and lossless != "_JPLY.dcm":
                    pairs.append((twin, p))
    return sorted(set(pairs))


TWINS = _twins()


@pytest.mark.parametrize(("compressed", "original"), TWINS, ids=[c.name for c, _ in TWINS])
def test_lossless_equals_uncompressed_twin(compressed: Path, original: Path) -> None:
    ref = rs_dicom.dcmread(str(original))
    comp = rs_dicom.dcmread(str(compressed))
    if ref.PhotometricInterpretation != comp.PhotometricInterpretation:
        pytest.skip("photometric interpretation differs between the twins")
    got = comp.pixel_data.array(as_rgb=False)
    expected = ref.pixel_data.array(as_rgb=False)
    # Some pydicom-data pairs are not exact twins: the oracle decides. When pydicom's own
    # decodes of the two files differ, rs_dicom must match pydicom on each file instead
    # (test_matches_pydicom_decoders checks that).
    _, p_comp = _pydicom_array(compressed)
    _, p_orig = _pydicom_array(original)
    if p_comp.shape == p_orig.shape and not np.array_equal(p_comp, p_orig):
        diff = np.abs(p_comp.astype(np.int64) - p_orig.astype(np.int64)).max()
        pytest.skip(f"not an exact twin: pydicom's decodes of the pair differ by up to {diff}")
    np.testing.assert_array_equal(got, expected)


J2K_SYNTAXES = {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"}
J2K_FILES = [p for p, ts in FILES if ts in J2K_SYNTAXES]

_DIGESTS = r"""
import hashlib, sys
import rs_dicom
for path in sys.argv[1:]:
    try:
        arr = rs_dicom.dcmread(path).pixel_array
        print(path, arr.dtype.str, arr.shape, hashlib.sha256(arr.tobytes()).hexdigest())
    except rs_dicom.DicomError as exc:
        print(path, "error", type(exc).__name__)
"""


def _j2k_digests(decoder: str) -> list[str]:
    import os
    import subprocess
    import sys

    env = dict(os.environ, RS_DICOM_J2K_DECODER=decoder)
    out = subprocess.run(
        [sys.executable, "-c", _DIGESTS, *map(str, J2K_FILES)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


def test_rust_and_openjpeg_jpeg2000_decoders_agree() -> None:
    """rs_dicom's own JPEG 2000 decoder (the default, also named by RS_DICOM_J2K_DECODER=rust):
    every frame of every JPEG 2000 file in the corpus must come out identical to OpenJPEG's
    (RS_DICOM_J2K_DECODER=openjpeg)."""
    assert len(J2K_FILES) >= 10
    rust = _j2k_digests("rust")
    openjpeg = _j2k_digests("openjpeg")
    assert len(rust) == len(J2K_FILES)
    assert rust == openjpeg
