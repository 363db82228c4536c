"""rs_dicom.net against pynetdicom, both ways: our SCU to a pynetdicom storage SCP (in a
thread of this process), pynetdicom's SCU to our SCP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from net_support import (
    LOSSLESS_COMPRESSED,
    UNCOMPRESSED,
    assert_same_instance,
    pydicom_file,
    received,
    uid_dictionary_restored,
)
from rs_dicom import net


@pytest.fixture(autouse=True, scope="module")
def _pynetdicom():
    """pynetdicom is imported here, not at collection (see uid_dictionary_restored)."""
    global pynetdicom
    with uid_dictionary_restored():
        pynetdicom = pytest.importorskip("pynetdicom")
        yield


pynetdicom: Any = None


@pytest.fixture
def pynetdicom_scp(tmp_path: Path):
    """A pynetdicom storage SCP on a free port, accepting what it knows (compressed syntaxes
    included); yields (port, directory)."""
    from pynetdicom import AE, evt
    from pynetdicom.presentation import AllStoragePresentationContexts
    from pynetdicom.sop_class import Verification

    out = tmp_path / "pynetdicom"
    out.mkdir()

    def on_store(event):
        ds = event.dataset
        ds.file_meta = event.file_meta
        ds.save_as(
            out / f"{ds.SOPInstanceUID}.{len(list(out.iterdir()))}.dcm", enforce_file_format=True
        )
        return 0x0000

    ae = pynetdicom.AE(ae_title="PYNETDICOM")
    for cx in AllStoragePresentationContexts:
        ae.add_supported_context(cx.abstract_syntax, pynetdicom.ALL_TRANSFER_SYNTAXES)
    ae.add_supported_context(Verification)
    server = ae.start_server(
        ("127.0.0.1", 0), block=False, evt_handlers=[(evt.EVT_C_STORE, on_store)]
    )
    try:
        yield server.server_address[1], out
    finally:
        server.shutdown()
        assert isinstance(ae, AE)


def test_echo_pynetdicom(pynetdicom_scp) -> None:
    port, _ = pynetdicom_scp
    assert net.echo("127.0.0.1", port, called_ae="PYNETDICOM", timeout=10) == 0


@pytest.mark.parametrize("name", UNCOMPRESSED + LOSSLESS_COMPRESSED)
def test_send_to_pynetdicom(pynetdicom_scp, name: str) -> None:
    """pynetdicom accepts every syntax: each file goes as read and arrives equal."""
    port, out = pynetdicom_scp
    src = pydicom_file(name)
    with net.associate("127.0.0.1", port, called_ae="PYNETDICOM", timeout=10) as assoc:
        assert assoc.echo() == 0
    results = net.send([src], "127.0.0.1", port, called_ae="PYNETDICOM", timeout=10)
    assert [r.status for r in results] == [0], results
    (got,) = received(out)
    assert_same_instance(src, got)


def test_pynetdicom_scu_to_our_scp(tmp_path: Path) -> None:
    """pynetdicom proposes each file's own syntax: our SCP stores each data set as it came
    (compressed ones stay compressed) and the files read equal to what was sent."""
    import pydicom
    from pynetdicom.sop_class import Verification

    # Distinct SOP Instance UIDs (the MR_small variants share one).
    files = [pydicom_file(n) for n in ["CT_small.dcm", "rtplan.dcm", "MR_small_RLE.dcm"]]
    datasets = [pydicom.dcmread(f) for f in files]
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10) as srv:
        ae = pynetdicom.AE(ae_title="PYSCU")
        ae.add_requested_context(Verification)
        for ds in datasets:
            ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
        assoc = ae.associate("127.0.0.1", srv.port)
        assert assoc.is_established
        try:
            assert assoc.send_c_echo().Status == 0
            for ds in datasets:
                assert assoc.send_c_store(ds).Status == 0
        finally:
            assoc.release()
        stats = srv.stats()
    assert stats["stored"] == 3, stats
    for f, ds in zip(files, datasets, strict=True):
        got = tmp_path / f"{ds.SOPInstanceUID}.dcm"
        assert pydicom.dcmread(got).file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID
        assert_same_instance(f, got)


def test_pynetdicom_find_and_get_from_our_qr_scp(tmp_path: Path) -> None:
    """pynetdicom's send_c_find and send_c_get (with the SCP role for CT) against our Q/R
    SCP: the matches and the instances retrieved are those of the archive."""
    import pydicom
    from net_support import UID_ROOT, make_archive
    from pydicom.dataset import Dataset
    from pynetdicom import build_role, evt
    from pynetdicom.sop_class import (
        CTImageStorage,
        PatientRootQueryRetrieveInformationModelGet,
        StudyRootQueryRetrieveInformationModelFind,
    )

    files = make_archive(tmp_path / "archive")
    got: list[Any] = []

    def on_store(event: Any) -> int:
        got.append(event.dataset)
        return 0

    with net.QueryRetrieveServer(tmp_path / "archive", host="127.0.0.1", timeout=10) as srv:
        ae = pynetdicom.AE(ae_title="PYSCU")
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
        ae.add_requested_context(PatientRootQueryRetrieveInformationModelGet)
        ae.add_requested_context(CTImageStorage)
        assoc = ae.associate(
            "127.0.0.1",
            srv.port,
            ext_neg=[build_role(CTImageStorage, scp_role=True)],
            evt_handlers=[(evt.EVT_C_STORE, on_store)],
        )
        assert assoc.is_established
        try:
            q = Dataset()
            q.QueryRetrieveLevel = "STUDY"
            q.StudyInstanceUID = ""
            q.PatientName = "DOE^P1"
            found = list(assoc.send_c_find(q, StudyRootQueryRetrieveInformationModelFind))
            q = Dataset()
            q.QueryRetrieveLevel = "PATIENT"
            q.PatientID = "P2"
            gets = list(assoc.send_c_get(q, PatientRootQueryRetrieveInformationModelGet))
        finally:
            assoc.release()
    assert [s.Status for s, _ in found] == [0xFF00, 0xFF00, 0]
    assert {ds.StudyInstanceUID for _, ds in found[:-1]} == {f"{UID_ROOT}.1", f"{UID_ROOT}.2"}
    final = gets[-1][0]
    assert final.Status == 0 and final.NumberOfCompletedSuboperations == 2
    originals = {pydicom.dcmread(f).SOPInstanceUID: pydicom.dcmread(f) for f in files}
    assert len(got) == 2
    for ds in got:
        assert ds.PixelData == originals[ds.SOPInstanceUID].PixelData
        assert ds.PatientID == "P2"
