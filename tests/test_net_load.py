"""Load: 100 concurrent associations storing 10,000 small files into our SCP on 127.0.0.1.
None lost, none duplicated (by SOP Instance UID and a pixel hash), every data set byte-equal
to what was sent; then DCMTK's storescu and our SCU together against the same server."""

from __future__ import annotations

import hashlib
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from rs_dicom import net

N_FILES = 10_000
ASSOCIATIONS = 100

pytestmark = pytest.mark.slow


def dataset_bytes(path: Path) -> bytes:
    """The data set after the file meta group (whose first element is its group length)."""
    data = path.read_bytes()
    assert data[128:132] == b"DICM" and data[132:136] == b"\x02\x00\x00\x00", path
    (meta_len,) = struct.unpack_from("<I", data, 140)
    return data[144 + meta_len :]


def make_files(directory: Path, n: int) -> dict[str, bytes]:
    """``n`` small CT-like files with distinct UIDs and random pixels (pydicom writes them):
    SOP Instance UID -> data set bytes."""
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    rng = np.random.default_rng(16)
    ds = pydicom.Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "CT"
    ds.PatientName = "LOAD^TEST"
    ds.Rows = ds.Columns = 16
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    out = {}
    for i in range(n):
        uid = f"1.2.826.0.1.3680043.10.543.{i + 1}"
        ds.SOPInstanceUID = uid
        ds.InstanceNumber = i + 1
        ds.file_meta.MediaStorageSOPInstanceUID = uid
        ds.PixelData = rng.integers(0, 4096, 256, dtype=np.uint16).tobytes()
        path = directory / f"f{i:05d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        out[uid] = dataset_bytes(path)
    return out


def test_hundred_associations_ten_thousand_files(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    sent = make_files(src, N_FILES)
    files = sorted(src.iterdir())
    out = tmp_path / "received"
    with net.StorageServer(
        0, out, host="127.0.0.1", timeout=60, max_associations=ASSOCIATIONS + 10
    ) as srv:
        results = net.send(files, "127.0.0.1", srv.port, timeout=60, workers=ASSOCIATIONS)
        stats = srv.stats()
    failures = [r for r in results if not r.ok]
    assert not failures, failures[:5]
    assert stats["stored"] == N_FILES and stats["errors"] == 0, stats
    assert stats["associations"] >= ASSOCIATIONS, stats
    got = sorted(p for p in out.iterdir())
    assert len(got) == N_FILES, f"{len(got)} files received"
    hashes = set()
    for path in got:
        uid = path.name.removesuffix(".dcm")
        body = dataset_bytes(path)
        assert body == sent[uid], f"{path.name} differs from what was sent"
        hashes.add(hashlib.sha256(body[-512:]).hexdigest())
    assert len(hashes) == N_FILES  # no pixel data duplicated across instances


def test_dcmtk_and_our_scus_together(tmp_path: Path) -> None:
    """Four storescu processes and our 8 associations into one server at once."""
    import subprocess

    from helpers import reference_tool

    storescu = reference_tool("storescu")
    src = tmp_path / "src"
    src.mkdir()
    sent = make_files(src, 400)
    files = sorted(src.iterdir())
    out = tmp_path / "received"
    with net.StorageServer(0, out, host="127.0.0.1", timeout=60) as srv:

        def dcmtk(chunk: list[Path]) -> subprocess.CompletedProcess[str]:
            args = [storescu, "-to", "30", "127.0.0.1", str(srv.port), *map(str, chunk)]
            return subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)

        with ThreadPoolExecutor(4) as pool:
            procs = [pool.submit(dcmtk, files[i:200:4]) for i in range(4)]
            ours = net.send(files[200:], "127.0.0.1", srv.port, timeout=60, workers=8)
            done = [p.result() for p in procs]
    for p in done:
        assert p.returncode == 0, p.stdout + p.stderr
    assert all(r.ok for r in ours)
    got = {p.name.removesuffix(".dcm"): dataset_bytes(p) for p in out.iterdir()}
    assert got == sent


def test_tls_concurrent_associations(tmp_path: Path) -> None:
    """20 associations over TLS (mutual authentication) storing 1,000 files at once."""
    from tls_support import make_certs

    certs = make_certs(tmp_path / "certs")
    src = tmp_path / "src"
    src.mkdir()
    sent = make_files(src, 1000)
    out = tmp_path / "received"
    server_tls = net.TLS(cert=certs.cert("server"), key=certs.key("server"), ca=certs.ca)
    client_tls = net.TLS(cert=certs.cert("client"), key=certs.key("client"), ca=certs.ca)
    with net.StorageServer(0, out, host="127.0.0.1", timeout=60, tls=server_tls) as srv:
        results = net.send(
            sorted(src.iterdir()), "127.0.0.1", srv.port, timeout=60, workers=20, tls=client_tls
        )
        stats = srv.stats()
    assert all(r.ok for r in results), [r for r in results if not r.ok][:5]
    assert stats["stored"] == 1000 and stats["errors"] == 0, stats
    got = {p.name.removesuffix(".dcm"): dataset_bytes(p) for p in out.iterdir()}
    assert got == sent
