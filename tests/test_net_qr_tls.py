"""Query/Retrieve over TLS and the user identity positive response, on 127.0.0.1.

DCMTK 3.6.7's findscu has ``+tls`` (its getscu, movescu and dcmqrscp are built without
TLS), so: findscu over TLS against our SCP; C-GET over TLS by pynetdicom (Python's ssl)
and by our SCU; C-MOVE whose sub-association goes over TLS to DCMTK's storescp ``+tls``;
our C-FIND and C-GET over TLS against a pynetdicom Q/R SCP (in place of dcmqrscp); untrusted
certificates refused both ways; ``rs-dicom serve +tls`` with ``rs-dicom find|get +tls``.
The expected answers come from the archive as pydicom reads it. Servers are always
stopped."""

from __future__ import annotations

import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from helpers import reference_tool
from net_support import (
    UID_ROOT,
    assert_same_instance,
    free_port,
    make_archive,
    received,
    storescp,
    wait_for_port,
)
from rs_dicom import net
from rs_dicom.cli import main
from test_net_pynetdicom import _pynetdicom  # noqa: F401  (the module fixture)
from tls_support import Certs, make_certs


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_archive(tmp_path_factory.mktemp("archive") / "files")


def tls(certs: Certs, who: str | None, ca: str | None = None, **kw: object) -> net.TLS:
    if who is None:
        return net.TLS(ca=ca or certs.ca, **kw)  # type: ignore[arg-type]
    return net.TLS(cert=certs.cert(who), key=certs.key(who), ca=ca or certs.ca, **kw)  # type: ignore[arg-type]


def studies(files: list[Path], **match: str) -> set[str]:
    """The oracle: the studies whose instances have these values, as pydicom reads them."""
    out = set()
    for f in files:
        ds = pydicom.dcmread(f)
        if all(str(ds.get(k, "")) == v for k, v in match.items()):
            out.add(str(ds.StudyInstanceUID))
    return out


def assert_retrieved(directory: Path, archive: list[Path], count: int) -> None:
    """``count`` files arrived in ``directory``, each the archive's instance of its UID."""
    originals = {str(pydicom.dcmread(f).SOPInstanceUID): f for f in archive}
    files = received(directory)
    assert len(files) == count
    for f in files:
        assert_same_instance(originals[str(pydicom.dcmread(f).SOPInstanceUID)], f)


@pytest.fixture(scope="module")
def server(archive: list[Path], certs: Certs) -> Iterator[net.QueryRetrieveServer]:
    """Our Q/R SCP over TLS, client certificates required."""
    with net.QueryRetrieveServer(
        archive[0].parent, host="127.0.0.1", ae_title="OURS", timeout=10, tls=tls(certs, "server")
    ) as srv:
        yield srv


def findscu(port: int, tls_args: list[str], keys: list[str], out: Path) -> tuple[int, set[str]]:
    out.mkdir()
    args = [reference_tool("findscu"), "-S", "-aec", "OURS", "-X", "-od", str(out), *tls_args]
    for k in ["QueryRetrieveLevel=STUDY", "StudyInstanceUID", *keys]:
        args += ["-k", k]
    proc = subprocess.run(
        [*args, "127.0.0.1", str(port)], capture_output=True, text=True, timeout=60
    )
    found = {str(pydicom.dcmread(p).StudyInstanceUID) for p in out.glob("rsp*.dcm")}
    return proc.returncode, found


@pytest.mark.parametrize(
    ("keys", "match"),
    [
        (["PatientName=DOE^P1"], {"PatientName": "DOE^P1"}),
        (["StudyID=3"], {"StudyID": "3"}),
        (["PatientName=NOBODY"], {"PatientName": "NOBODY"}),
    ],
)
def test_findscu_over_tls(server, archive, certs: Certs, keys, match, tmp_path: Path) -> None:
    client = ["+tls", certs.key("client"), certs.cert("client"), "+cf", certs.ca]
    rc, found = findscu(server.port, client, keys, tmp_path / "rsp")
    assert rc == 0
    assert found == studies(archive, **match)


def test_untrusted_certificates_are_refused(server, certs: Certs, tmp_path: Path) -> None:
    rogue = ["+tls", certs.key("rogue"), certs.cert("rogue"), "+cf", certs.ca]
    rc, found = findscu(server.port, rogue, ["PatientName=DOE^P1"], tmp_path / "rogue")
    assert rc != 0 and not found
    plain_rc, _ = findscu(server.port, [], ["PatientName=DOE^P1"], tmp_path / "plain")
    assert plain_rc != 0
    # Our SCU trusting only the rogue CA refuses our server's certificate.
    with pytest.raises(net.NetworkError, match="(?i)certificate"):
        net.echo(
            "127.0.0.1",
            server.port,
            called_ae="OURS",
            timeout=10,
            tls=tls(certs, "client", ca=certs.cert("rogue_ca")),
        )


def test_our_find_and_get_over_tls(server, archive, certs: Certs, tmp_path: Path) -> None:
    with net.associate(
        "127.0.0.1", server.port, called_ae="OURS", timeout=10, tls=tls(certs, "client")
    ) as a:
        rows = list(a.find({"PatientID": "P2", "StudyInstanceUID": ""}, "S", level="STUDY"))
        got = list(
            a.get({"StudyInstanceUID": f"{UID_ROOT}.3"}, "S", level="STUDY", directory=tmp_path)
        )
    assert rows[-1][0] == 0
    assert {str(ds.StudyInstanceUID) for _, ds in rows[:-1]} == studies(archive, PatientID="P2")
    final = got[-1][0]
    assert final == 0 and final.completed == 2, got
    assert_retrieved(tmp_path, archive, 2)


def _client_context(certs: Certs, who: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=certs.ca)
    ctx.check_hostname = False  # DICOM certificates rarely name the host
    if who is not None:
        ctx.load_cert_chain(certs.cert(who), certs.key(who))
    return ctx


def test_pynetdicom_get_over_tls(server, archive, certs: Certs) -> None:
    from pynetdicom import AE, build_role, evt
    from pynetdicom.sop_class import CTImageStorage, StudyRootQueryRetrieveInformationModelGet

    got: dict[str, pydicom.Dataset] = {}

    def on_store(event):
        got[str(event.dataset.SOPInstanceUID)] = event.dataset
        return 0x0000

    ae = AE(ae_title="PYSCU")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
    ae.add_requested_context(CTImageStorage)
    assoc = ae.associate(
        "127.0.0.1",
        server.port,
        ae_title="OURS",
        ext_neg=[build_role(CTImageStorage, scp_role=True)],
        evt_handlers=[(evt.EVT_C_STORE, on_store)],
        tls_args=(_client_context(certs, "client"), None),
    )
    assert assoc.is_established
    try:
        q = pydicom.Dataset()
        q.QueryRetrieveLevel = "STUDY"
        q.StudyInstanceUID = f"{UID_ROOT}.1"
        statuses = [
            s.Status for s, _ in assoc.send_c_get(q, StudyRootQueryRetrieveInformationModelGet)
        ]
    finally:
        assoc.release()
    assert statuses[-1] == 0
    want = {
        str(pydicom.dcmread(f).SOPInstanceUID)
        for f in archive
        if str(pydicom.dcmread(f).StudyInstanceUID) == f"{UID_ROOT}.1"
    }
    assert set(got) == want and len(want) == 3


def test_move_sub_association_over_tls_to_storescp(archive, certs: Certs, tmp_path: Path) -> None:
    """The C-MOVE destination is DCMTK's storescp +tls requiring our client certificate."""
    out = tmp_path / "in"
    out.mkdir()
    dcmtk = ["+tls", certs.key("server"), certs.cert("server"), "+cf", certs.ca, "-rc"]
    with storescp(out, *dcmtk) as port:
        for dest_tls, ok in ((tls(certs, "client"), True), (None, False)):
            with (
                net.QueryRetrieveServer(
                    archive[0].parent,
                    host="127.0.0.1",
                    ae_title="OURS",
                    timeout=10,
                    destinations={"STORESCP": ("127.0.0.1", port)},
                    destination_tls=dest_tls,
                ) as srv,
                net.associate("127.0.0.1", srv.port, called_ae="OURS", timeout=10) as a,
            ):
                q = {"StudyInstanceUID": f"{UID_ROOT}.3"}
                *_, (final, _) = a.move(q, "STORESCP", "S", level="STUDY")
            if ok:
                assert final == 0 and final.completed == 2, final
            else:  # plain TCP to a TLS port: the sub-association cannot be made
                assert final != 0 and not final.completed
    assert_retrieved(out, archive, 2)


def test_our_find_and_get_over_tls_against_pynetdicom(
    archive, certs: Certs, tmp_path: Path
) -> None:
    """A pynetdicom Q/R SCP over TLS (Python's ssl) answering from the archive."""
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import (
        CTImageStorage,
        StudyRootQueryRetrieveInformationModelFind,
        StudyRootQueryRetrieveInformationModelGet,
    )

    datasets = [pydicom.dcmread(f) for f in archive]

    def on_find(event):
        pid = event.identifier.PatientID
        seen = set()
        for ds in datasets:
            if ds.PatientID == pid and ds.StudyInstanceUID not in seen:
                seen.add(ds.StudyInstanceUID)
                r = pydicom.Dataset()
                r.QueryRetrieveLevel = "STUDY"
                r.PatientID = ds.PatientID
                r.StudyInstanceUID = ds.StudyInstanceUID
                yield 0xFF00, r

    def on_get(event):
        uid = event.identifier.StudyInstanceUID
        matches = [ds for ds in datasets if ds.StudyInstanceUID == uid]
        yield len(matches)
        for ds in matches:
            yield 0xFF00, ds

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=certs.ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_cert_chain(certs.cert("server"), certs.key("server"))
    ae = AE(ae_title="PYQR")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind)
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelGet)
    ae.add_supported_context(CTImageStorage, scu_role=True, scp_role=True)
    handlers = [(evt.EVT_C_FIND, on_find), (evt.EVT_C_GET, on_get)]
    scp = ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=handlers, ssl_context=ctx)
    try:
        port = scp.server_address[1]
        with net.associate("127.0.0.1", port, timeout=10, tls=tls(certs, "client")) as a:
            rows = list(a.find({"PatientID": "P1", "StudyInstanceUID": ""}, "S", level="STUDY"))
            q = {"StudyInstanceUID": f"{UID_ROOT}.1"}
            got = list(a.get(q, "S", level="STUDY", directory=tmp_path))
        with pytest.raises(net.NetworkError):
            net.echo("127.0.0.1", port, timeout=10, tls=tls(certs, None))
    finally:
        scp.shutdown()
    assert rows[-1][0] == 0
    assert {str(ds.StudyInstanceUID) for _, ds in rows[:-1]} == studies(archive, PatientID="P1")
    final = got[-1][0]
    assert final == 0 and final.completed == 3, got
    assert_retrieved(tmp_path, archive, 3)


def test_cli_serve_find_get_over_tls(
    archive, certs: Certs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "rs_dicom.cli", "serve", str(archive[0].parent)]
    cmd += ["--port", str(port), "--aet", "PACS", "-to", "10", "--accept-aet", "VIEWER"]
    cmd += ["+tls", certs.key("server"), certs.cert("server"), "+cf", certs.ca, "-rc"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = ["+tls", certs.key("client"), certs.cert("client"), "+cf", certs.ca]
    try:
        wait_for_port(port, proc)
        base = ["-aet", "VIEWER", "-aec", "PACS", "-to", "10", *client, "127.0.0.1", str(port)]
        find = main(
            [
                "find",
                "-k",
                "QueryRetrieveLevel=STUDY",
                "-k",
                "StudyID=2",
                "-k",
                "StudyInstanceUID",
                *base,
            ]
        )
        found = capsys.readouterr().out
        get = main(
            ["get", "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={UID_ROOT}.2"]
            + ["-od", str(tmp_path / "got"), *base]
        )
        capsys.readouterr()
        # Not on the calling AE allow list; and no TLS at all.
        other = main(["find", "-k", "QueryRetrieveLevel=STUDY", *base[:1], "OTHER", *base[2:]])
        plain = main(
            ["echo", "-aet", "VIEWER", "-aec", "PACS", "-to", "10", "127.0.0.1", str(port)]
        )
        err = capsys.readouterr().err
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert find == 0 and f"{UID_ROOT}.2" in found and f"{UID_ROOT}.1" not in found
    assert get == 0
    (got,) = received(tmp_path / "got")
    assert pydicom.dcmread(got).StudyInstanceUID == f"{UID_ROOT}.2"
    assert other == 1 and plain == 1, err
    assert "calling AE title not recognized" in err


def test_cli_serve_moves_over_tls_to_cli_move_listener(
    archive, certs: Certs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rs-dicom serve +tls`` opens its C-MOVE association with TLS (its own certificate),
    to ``rs-dicom move +tls +P``, which listens with TLS and requires a client certificate."""
    port, listen = free_port(), free_port()
    cmd = [sys.executable, "-m", "rs_dicom.cli", "serve", str(archive[0].parent)]
    cmd += ["--port", str(port), "--aet", "PACS", "-to", "10"]
    cmd += ["--destination", f"VIEWER=127.0.0.1:{listen}"]
    cmd += ["+tls", certs.key("server"), certs.cert("server"), "+cf", certs.ca]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        rc = main(
            ["move", "-aet", "VIEWER", "-aec", "PACS", "-to", "10", "+P", str(listen)]
            + ["-od", str(tmp_path), "-k", "QueryRetrieveLevel=STUDY"]
            + ["-k", f"StudyInstanceUID={UID_ROOT}.3"]
            + ["+tls", certs.key("client"), certs.cert("client"), "+cf", certs.ca]
            + ["127.0.0.1", str(port)]
        )
        out = capsys.readouterr()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert rc == 0, out.out + out.err
    assert_retrieved(tmp_path, archive, 2)


# --- user identity: the positive response (DCMTK's -rsp) ------------------------------


def test_identity_positive_response_from_our_scp(tmp_path: Path) -> None:
    def check(kind: int, user: bytes, password: bytes, calling: str) -> bool | bytes:
        return b"token-for-" + user if user == b"alice" else False

    with net.StorageServer(
        0, tmp_path, host="127.0.0.1", timeout=10, identity_handler=check
    ) as srv:
        kw = {"timeout": 10, "username": "alice", "password": "pw"}
        with net.associate("127.0.0.1", srv.port, identity_response=True, **kw) as a:
            assert a.identity_response == b"token-for-alice"
            assert a.echo() == 0
        with net.associate("127.0.0.1", srv.port, **kw) as a:
            assert a.identity_response is None  # not asked for
        assert net.echo("127.0.0.1", srv.port, identity_response=True, **kw) == 0
        rc = main(
            ["echo", "-usr", "alice", "-pwd", "pw", "-rsp", "-to", "10", "127.0.0.1", str(srv.port)]
        )
    assert rc == 0


def test_qr_server_identity_and_aet_policies_with_storescu(tmp_path: Path) -> None:
    """The Q/R SCP applies StorageServer's policies: DCMTK's storescu -rsp checks that our
    positive response comes; a refused identity and an unlisted calling AE are rejected."""
    storescu = reference_tool("storescu")
    src = str(make_archive(tmp_path / "src")[0])

    def check(kind: int, user: bytes, password: bytes, calling: str) -> bool | bytes:
        return b"ok" if (user, password) == (b"alice", b"pw") else False

    with net.QueryRetrieveServer(
        tmp_path / "qr",
        host="127.0.0.1",
        ae_title="OURS",
        timeout=10,
        identity_handler=check,
        require_identity=True,
        accepted_calling_aets=["MODALITY"],
    ) as srv:
        port = str(srv.port)
        base = [storescu, "-aec", "OURS", "-to", "10"]
        good = subprocess.run(
            [
                *base,
                "-aet",
                "MODALITY",
                "-usr",
                "alice",
                "-pwd",
                "pw",
                "-rsp",
                "127.0.0.1",
                port,
                src,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        wrong = subprocess.run(
            [*base, "-aet", "MODALITY", "-usr", "alice", "-pwd", "no", "127.0.0.1", port, src],
            capture_output=True,
            text=True,
            timeout=60,
        )
        other = subprocess.run(
            [*base, "-aet", "OTHER", "-usr", "alice", "-pwd", "pw", "127.0.0.1", port, src],
            capture_output=True,
            text=True,
            timeout=60,
        )
        indexed = srv.indexed
    assert good.returncode == 0, good.stdout + good.stderr
    assert wrong.returncode != 0 and other.returncode != 0
    assert "Association Rejected" in wrong.stdout + wrong.stderr
    assert "Association Rejected" in other.stdout + other.stderr
    assert indexed == 1


def test_identity_positive_response_missing_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pynetdicom without a user identity handler accepts the association without a
    response: asked for one, our SCU refuses to go on (as DCMTK's -rsp)."""
    from pynetdicom import AE
    from pynetdicom.sop_class import Verification

    ae = AE(ae_title="PYSCP")
    ae.add_supported_context(Verification)
    scp = ae.start_server(("127.0.0.1", 0), block=False)
    try:
        port = scp.server_address[1]
        kw = {"timeout": 10, "username": "alice"}
        assert net.echo("127.0.0.1", port, **kw) == 0
        with pytest.raises(net.NetworkError, match="positive response was requested"):
            net.echo("127.0.0.1", port, identity_response=True, **kw)
        rc = main(["echo", "-usr", "alice", "-rsp", "-to", "10", "127.0.0.1", str(port)])
        err = capsys.readouterr().err
        with pytest.raises(SystemExit) as usage:
            main(["echo", "-rsp", "127.0.0.1", str(port)])
    finally:
        scp.shutdown()
    assert rc == 1 and "positive response" in err
    assert usage.value.code == 2
    assert "-rsp needs --user" in capsys.readouterr().err
