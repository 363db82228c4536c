"""DIMSE against Orthanc, both ways: our SCU storing into Orthanc (checked through its REST
API: the same bytes and pixels), Orthanc storing into our StorageServer (triggered through
REST), and C-ECHO each way."""

from __future__ import annotations

from pathlib import Path

import pytest
from net_support import LOSSLESS_COMPRESSED, UNCOMPRESSED, assert_same_instance, pydicom_file
from orthanc_support import Orthanc, unique_copy
from rs_dicom import net


@pytest.fixture
def paths(tmp_path: Path) -> list[Path]:
    """Uncompressed (explicit, implicit, big endian) and compressed (RLE, JPEG 2000) files,
    each with its own SOP Instance UID (pydicom's MR_small variants share one)."""
    out = [pydicom_file(n) for n in UNCOMPRESSED if n != "MR_small.dcm"]
    return out + [unique_copy(n, tmp_path) for n in ["MR_small.dcm", *LOSSLESS_COMPRESSED]]


def test_echo_to_orthanc(orthanc: Orthanc) -> None:
    assert net.echo("127.0.0.1", orthanc.dicom_port, called_ae=orthanc.aet) == 0


def test_send_to_orthanc_arrives_identical(
    orthanc: Orthanc, paths: list[Path], tmp_path: Path
) -> None:
    results = net.send(paths, "127.0.0.1", orthanc.dicom_port, called_ae=orthanc.aet, workers=2)
    assert [r.ok for r in results] == [True] * len(paths), results
    ids = orthanc.instance_ids()
    assert len(ids) == len(paths)
    by_uid = {}
    for i in ids:
        tags = orthanc.rest("GET", f"/instances/{i}/simplified-tags")
        by_uid[tags["SOPInstanceUID"]] = i
    import pydicom

    for p in paths:
        uid = pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID
        assert uid in by_uid, f"{p.name} not in Orthanc"
        got = tmp_path / f"{uid}.dcm"
        got.write_bytes(orthanc.file_of(by_uid[uid]))
        assert_same_instance(p, got)
        # Orthanc keeps what arrived: ours sends an accepted transfer syntax unchanged, so
        # the dataset bytes after the file meta are the source's own.
        src = pydicom.dcmread(p)
        if src.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1":
            a = pydicom.dcmread(got)
            assert a.file_meta.TransferSyntaxUID == src.file_meta.TransferSyntaxUID
            if "PixelData" in src:
                assert a.PixelData == src.PixelData


def test_orthanc_echo_and_store_to_our_scp(
    orthanc: Orthanc, paths: list[Path], tmp_path: Path
) -> None:
    for p in paths:
        orthanc.upload(p)
    out = tmp_path / "received"
    out.mkdir()
    with net.StorageServer(0, out, host="127.0.0.1", ae_title="RS_SCP") as scp:
        orthanc.rest(
            "PUT", "/modalities/rs", {"AET": "RS_SCP", "Host": "127.0.0.1", "Port": scp.port}
        )
        try:
            # Orthanc answers 200 to a successful C-ECHO and 500 otherwise (urllib raises).
            orthanc.rest("POST", "/modalities/rs/echo", {})
            ids = orthanc.instance_ids()
            job = orthanc.rest(
                "POST", "/modalities/rs/store", {"Resources": ids, "Synchronous": True}
            )
            assert job is not None
        finally:
            orthanc.rest("DELETE", "/modalities/rs")
        stats = scp.stats()
    got = sorted(out.glob("*.dcm"))
    assert len(got) == len(paths), (stats, [g.name for g in got])
    import pydicom

    for src in paths:
        uid = pydicom.dcmread(src, stop_before_pixels=True).SOPInstanceUID
        assert_same_instance(src, out / f"{uid}.dcm")
