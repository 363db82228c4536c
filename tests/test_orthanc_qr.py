"""Query/Retrieve against Orthanc, both ways: our SCU's C-FIND, C-GET and C-MOVE served by
Orthanc, and Orthanc's C-FIND and C-MOVE (triggered through its REST API) served by our
QueryRetrieveServer; answers checked against the source files read by pydicom. Orthanc as a
C-GET SCU against our SCP is not tested: Debian's Orthanc 1.10.1 has no C-GET SCU (its REST
API has /modalities/{id}/move but no /get; its book says C-GET is SCP-only up to 1.10), so
our C-GET SCP is checked with DCMTK's getscu and pynetdicom instead."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pydicom
import pytest
from net_support import assert_same_instance, pydicom_file, received
from orthanc_support import Orthanc
from rs_dicom import net

FILES = ["CT_small.dcm", "MR_small.dcm", "emri_small.dcm", "rtplan.dcm"]


@pytest.fixture
def sources() -> list[Path]:
    return [pydicom_file(n) for n in FILES]


@pytest.fixture
def loaded(orthanc: Orthanc, sources: list[Path]) -> list[pydicom.Dataset]:
    for p in sources:
        orthanc.upload(p)
    return [pydicom.dcmread(p, stop_before_pixels=True) for p in sources]


def test_find_in_orthanc(orthanc: Orthanc, loaded: list[pydicom.Dataset]) -> None:
    with net.associate("127.0.0.1", orthanc.dicom_port, called_ae=orthanc.aet) as a:
        q = {"StudyInstanceUID": "", "PatientID": ""}
        rows = [ds for status, ds in a.find(q, "S", level="STUDY") if status == 0xFF00]
        want = sorted({(h.StudyInstanceUID, h.PatientID) for h in loaded})
        assert sorted((r.StudyInstanceUID, r.PatientID) for r in rows) == want
        mr = [h for h in loaded if h.Modality == "MR"]
        q = {"SOPInstanceUID": "", "StudyInstanceUID": mr[0].StudyInstanceUID}
        rows = [ds for status, ds in a.find(q, "S", level="IMAGE") if status == 0xFF00]
        want_sops = sorted(
            h.SOPInstanceUID for h in loaded if h.StudyInstanceUID == q["StudyInstanceUID"]
        )
        assert sorted(r.SOPInstanceUID for r in rows) == want_sops


def test_get_from_orthanc(
    orthanc: Orthanc, loaded: list[pydicom.Dataset], sources: list[Path], tmp_path: Path
) -> None:
    ct = loaded[0]
    out = tmp_path / "got"
    with net.associate("127.0.0.1", orthanc.dicom_port, called_ae=orthanc.aet) as a:
        q = {"StudyInstanceUID": ct.StudyInstanceUID}
        responses = list(a.get(q, "S", level="STUDY", directory=out))
    final = responses[-1][0]
    want = [
        p for p, h in zip(sources, loaded, strict=True) if h.StudyInstanceUID == ct.StudyInstanceUID
    ]
    assert final == 0 and final.completed == len(want), responses
    got = received(out)
    assert len(got) == len(want)
    for p in want:
        assert_same_instance(
            p, out / f"{pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID}.dcm"
        )


def test_move_from_orthanc_to_our_scp(
    orthanc: Orthanc, loaded: list[pydicom.Dataset], sources: list[Path], tmp_path: Path
) -> None:
    mr = next(h for h in loaded if h.Modality == "MR")
    out = tmp_path / "moved"
    out.mkdir()
    with net.StorageServer(0, out, host="127.0.0.1", ae_title="RS_DEST") as scp:
        orthanc.rest(
            "PUT", "/modalities/dest", {"AET": "RS_DEST", "Host": "127.0.0.1", "Port": scp.port}
        )
        try:
            with net.associate("127.0.0.1", orthanc.dicom_port, called_ae=orthanc.aet) as a:
                q = {"StudyInstanceUID": mr.StudyInstanceUID}
                *_, (final, _) = a.move(q, "RS_DEST", "S", level="STUDY")
        finally:
            orthanc.rest("DELETE", "/modalities/dest")
    want = [
        p for p, h in zip(sources, loaded, strict=True) if h.StudyInstanceUID == mr.StudyInstanceUID
    ]
    assert final == 0 and final.completed == len(want)
    for p in want:
        assert_same_instance(
            p, out / f"{pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID}.dcm"
        )


def test_orthanc_queries_and_moves_from_our_server(
    orthanc: Orthanc, sources: list[Path], tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    for p in sources:
        shutil.copy(p, archive / p.name)
    heads = [pydicom.dcmread(p, stop_before_pixels=True) for p in sources]
    dest = {"ORTHANC": ("127.0.0.1", orthanc.dicom_port)}
    with net.QueryRetrieveServer(
        archive, 0, host="127.0.0.1", ae_title="RS_QR", destinations=dest
    ) as srv:
        orthanc.rest(
            "PUT", "/modalities/rsqr", {"AET": "RS_QR", "Host": "127.0.0.1", "Port": srv.port}
        )
        try:
            query = orthanc.rest(
                "POST", "/modalities/rsqr/query", {"Level": "Study", "Query": {"PatientID": "*"}}
            )
            answers = orthanc.rest("GET", f"/queries/{query['ID']}/answers?expand&simplify")
            got = sorted(a["StudyInstanceUID"] for a in answers)
            assert got == sorted({h.StudyInstanceUID for h in heads})
            ct = heads[0]
            orthanc.rest(
                "POST",
                "/modalities/rsqr/move",
                {
                    "Level": "Study",
                    "Resources": [{"StudyInstanceUID": ct.StudyInstanceUID}],
                    "TargetAet": "ORTHANC",
                    "Synchronous": True,
                },
            )
        finally:
            orthanc.rest("DELETE", "/modalities/rsqr")
    ids = orthanc.instance_ids()
    want = [
        p for p, h in zip(sources, heads, strict=True) if h.StudyInstanceUID == ct.StudyInstanceUID
    ]
    assert len(ids) == len(want)
    for i in ids:
        data = orthanc.file_of(i)
        uid = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True).SOPInstanceUID
        got_path = tmp_path / f"{uid}.dcm"
        got_path.write_bytes(data)
        src = next(
            p for p in want if pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID == uid
        )
        assert_same_instance(src, got_path)
