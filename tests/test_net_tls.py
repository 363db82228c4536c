"""TLS and acceptor policies against DCMTK (echoscu, storescu, storescp with +tls) on
127.0.0.1: both directions, mutual authentication, bad certificates refused with a clear
message; calling AE allow list, user identity negotiation, the association limit."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from helpers import reference_tool
from net_support import (
    assert_same_instance,
    free_port,
    process,
    pydicom_file,
    received,
    storescp,
)
from rs_dicom import net
from rs_dicom.cli import main
from tls_support import Certs, make_certs


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def server_tls(certs: Certs, **kw: object) -> net.TLS:
    return net.TLS(cert=certs.cert("server"), key=certs.key("server"), ca=certs.ca, **kw)  # type: ignore[arg-type]


def dcmtk_tls(certs: Certs, who: str, *peer: str) -> list[str]:
    return ["+tls", certs.key(who), certs.cert(who), "+cf", certs.ca, *peer]


# --- our SCU to DCMTK's storescp ---------------------------------------------------------


@pytest.mark.parametrize("mutual", [False, True])
def test_send_to_storescp_over_tls(tmp_path: Path, certs: Certs, mutual: bool) -> None:
    """Server authentication only (storescp -vc, we give no certificate), and mutual
    authentication (storescp -rc, we give the client certificate)."""
    src = pydicom_file("CT_small.dcm")
    out = tmp_path / "in"
    out.mkdir()
    if mutual:
        ours = net.TLS(cert=certs.cert("client"), key=certs.key("client"), ca=certs.ca)
    else:
        ours = net.TLS(ca=certs.ca)
    peer = "-rc" if mutual else "-vc"
    with storescp(out, *dcmtk_tls(certs, "server", peer)) as port:
        assert net.echo("127.0.0.1", port, called_ae="STORESCP", timeout=10, tls=ours) == 0
        results = net.send([src], "127.0.0.1", port, called_ae="STORESCP", timeout=10, tls=ours)
    assert [r.status for r in results] == [0], results
    (got,) = received(out)
    assert_same_instance(src, got)


def test_bad_certificates_are_refused_by_and_to_storescp(tmp_path: Path, certs: Certs) -> None:
    with storescp(tmp_path, *dcmtk_tls(certs, "server", "-rc")) as port:
        # We do not trust storescp's CA.
        distrust = net.TLS(
            cert=certs.cert("client"), key=certs.key("client"), ca=certs.cert("rogue_ca")
        )
        with pytest.raises(net.NetworkError, match=r"TLS handshake failed.*UnknownIssuer"):
            net.echo("127.0.0.1", port, called_ae="STORESCP", timeout=10, tls=distrust)
        # storescp does not trust our certificate (signed by another CA).
        rogue = net.TLS(cert=certs.cert("rogue"), key=certs.key("rogue"), ca=certs.ca)
        with pytest.raises(net.NetworkError, match=r"alert"):
            net.echo("127.0.0.1", port, called_ae="STORESCP", timeout=10, tls=rogue)
        # storescp requires a certificate and we give none.
        with pytest.raises(net.NetworkError, match=r"alert"):
            net.echo("127.0.0.1", port, called_ae="STORESCP", timeout=10, tls=net.TLS(ca=certs.ca))
        # Plain TCP to a TLS port.
        with pytest.raises(net.NetworkError):
            net.echo("127.0.0.1", port, called_ae="STORESCP", timeout=5)
        ok = net.TLS(cert=certs.cert("client"), key=certs.key("client"), ca=certs.ca)
        assert net.echo("127.0.0.1", port, called_ae="STORESCP", timeout=10, tls=ok) == 0


# --- DCMTK's SCUs to our SCP ---------------------------------------------------------------


def test_storescu_over_tls_to_our_scp_mutual(tmp_path: Path, certs: Certs) -> None:
    storescu = reference_tool("storescu")
    src = pydicom_file("MR_small.dcm")
    tls = server_tls(certs)
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10, tls=tls) as srv:
        proc = run(
            [
                storescu,
                *dcmtk_tls(certs, "client"),
                "-to",
                "10",
                "127.0.0.1",
                str(srv.port),
                str(src),
            ]
        )
        stats = srv.stats()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert stats["stored"] == 1, stats
    (got,) = received(tmp_path)
    assert_same_instance(src, got)


def test_dcmtk_clients_with_bad_or_no_certificates_are_refused(
    tmp_path: Path, certs: Certs
) -> None:
    echoscu = reference_tool("echoscu")
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10, tls=server_tls(certs)) as srv:
        port = str(srv.port)
        anonymous = run([echoscu, "+tla", "+cf", certs.ca, "-to", "10", "127.0.0.1", port])
        rogue = run([echoscu, *dcmtk_tls(certs, "rogue"), "-to", "10", "127.0.0.1", port])
        # echoscu not trusting our server certificate.
        distrust = [echoscu, "+tla", "+cf", certs.cert("rogue_ca"), "-to", "10", "127.0.0.1", port]
        untrusted = run(distrust)
        good = run([echoscu, *dcmtk_tls(certs, "client"), "-to", "10", "127.0.0.1", port])
        stats = srv.stats()
    for bad in (anonymous, rogue, untrusted):
        assert bad.returncode != 0, bad.stdout + bad.stderr
        # echoscu says "Peer aborted Association (or never connected)": the handshake failed.
        assert "Association Request Failed" in bad.stderr, bad.stderr
    assert good.returncode == 0, good.stdout + good.stderr
    assert stats["associations"] == 1 and stats["refused"] >= 3, stats


def test_optional_client_certificate(tmp_path: Path, certs: Certs) -> None:
    """verify_peer with require_peer_cert=False (DCMTK's -vc): no certificate is fine, a
    rogue one is not; verify_peer=False (-ic) takes any."""
    echoscu = reference_tool("echoscu")
    optional = server_tls(certs, require_peer_cert=False)
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10, tls=optional) as srv:
        port = str(srv.port)
        anonymous = run([echoscu, "+tla", "+cf", certs.ca, "-to", "10", "127.0.0.1", port])
        rogue = run([echoscu, *dcmtk_tls(certs, "rogue"), "-to", "10", "127.0.0.1", port])
    assert anonymous.returncode == 0, anonymous.stdout + anonymous.stderr
    assert rogue.returncode != 0
    ignoring = server_tls(certs, verify_peer=False)
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10, tls=ignoring) as srv:
        rogue = run([echoscu, *dcmtk_tls(certs, "rogue"), "-to", "10", "127.0.0.1", str(srv.port)])
    assert rogue.returncode == 0, rogue.stdout + rogue.stderr


def test_our_scu_to_our_scp_over_tls_and_the_cli(
    tmp_path: Path, certs: Certs, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "listen"
    port = free_port()
    listen = [sys.executable, "-m", "rs_dicom.cli", "listen", str(port), "-od", str(out)]
    listen += dcmtk_tls(certs, "server", "-rc")
    src = pydicom_file("rtplan.dcm")
    with process(listen, port):
        client = dcmtk_tls(certs, "client")
        assert main(["echo", "127.0.0.1", str(port), *client]) == 0
        assert main(["send", "127.0.0.1", str(port), str(src), *client]) == 0
        assert "1 of 1 files stored" in capsys.readouterr().out
        # Without a client certificate the server refuses.
        assert main(["echo", "127.0.0.1", str(port), "+tla", "+cf", certs.ca, "-to", "5"]) == 1
        assert "alert" in capsys.readouterr().err
    (got,) = received(out)
    assert_same_instance(src, got)
    with pytest.raises(SystemExit) as exit_info:
        main(["echo", "127.0.0.1", "104", "+cf", certs.ca])
    assert exit_info.value.code == 2
    assert "+cf needs +tls or +tla" in capsys.readouterr().err


# --- acceptor policies -----------------------------------------------------------------------


def test_accepted_calling_aets(tmp_path: Path) -> None:
    echoscu = reference_tool("echoscu")
    with net.StorageServer(
        0, tmp_path, host="127.0.0.1", timeout=10, accepted_calling_aets=["GOOD_AE"]
    ) as srv:
        bad = run([echoscu, "-aet", "BAD_AE", "127.0.0.1", str(srv.port)])
        good = run([echoscu, "-aet", "GOOD_AE", "127.0.0.1", str(srv.port)])
        with pytest.raises(net.AssociationRejectedError, match="calling AE title not recognized"):
            net.echo("127.0.0.1", srv.port, ae_title="OTHER", timeout=10)
        assert net.echo("127.0.0.1", srv.port, ae_title="GOOD_AE", timeout=10) == 0
    assert bad.returncode != 0
    assert "Calling AE Title Not Recognized" in bad.stdout + bad.stderr
    assert good.returncode == 0, good.stdout + good.stderr


def test_user_identity_negotiation(tmp_path: Path) -> None:
    """storescu -usr/-pwd (with -rsp a positive response is expected, and storescu checks it
    came); the handler sees what was sent; a refused identity rejects the association."""
    storescu = reference_tool("storescu")
    src = str(pydicom_file("CT_small.dcm"))
    seen: list[tuple[int, bytes, bytes, str]] = []

    def check(kind: int, user: bytes, password: bytes, calling: str) -> bool:
        seen.append((kind, user, password, calling))
        return user == b"alice" and password in (b"", b"secret")

    with net.StorageServer(
        0, tmp_path, host="127.0.0.1", timeout=10, identity_handler=check, require_identity=True
    ) as srv:
        port = str(srv.port)
        good = run(
            [
                storescu,
                "-aet",
                "DCMTK",
                "-usr",
                "alice",
                "-pwd",
                "secret",
                "-rsp",
                "127.0.0.1",
                port,
                src,
            ]
        )
        user_only = run([storescu, "-usr", "alice", "-rsp", "127.0.0.1", port, src])
        wrong = run([storescu, "-usr", "alice", "-pwd", "guess", "127.0.0.1", port, src])
        none = run([storescu, "127.0.0.1", port, src])
        assert net.echo("127.0.0.1", srv.port, username="alice", password="secret", timeout=10) == 0
        with pytest.raises(net.AssociationRejectedError, match="rejected permanently"):
            net.echo("127.0.0.1", srv.port, username="mallory", timeout=10)
        stats = srv.stats()
    assert good.returncode == 0, good.stdout + good.stderr
    assert user_only.returncode == 0, user_only.stdout + user_only.stderr
    assert wrong.returncode != 0 and none.returncode != 0
    assert "Association Rejected" in wrong.stdout + wrong.stderr
    assert seen[0] == (2, b"alice", b"secret", "DCMTK")
    assert seen[1][:3] == (1, b"alice", b"")
    assert seen[2][:3] == (2, b"alice", b"guess")
    assert stats["stored"] == 2, stats


def test_associations_over_the_limit_are_rejected_transiently(tmp_path: Path) -> None:
    echoscu = reference_tool("echoscu")
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10, max_associations=1) as srv:
        with net.associate("127.0.0.1", srv.port, contexts=[], timeout=10) as held:
            busy = run([echoscu, "127.0.0.1", str(srv.port)])
            with pytest.raises(net.AssociationRejectedError, match="local limit exceeded"):
                net.echo("127.0.0.1", srv.port, timeout=10)
            assert held.echo() == 0
        # The released association's server thread frees the slot when it ends: wait for it.
        deadline = time.monotonic() + 20
        while (free := run([echoscu, "127.0.0.1", str(srv.port)])).returncode != 0:
            assert time.monotonic() < deadline, free.stdout + free.stderr
            time.sleep(0.1)
    assert busy.returncode != 0
    text = (busy.stdout + busy.stderr).lower()
    assert "rejected transient" in text and "local limit exceeded" in text, text
    assert free.returncode == 0, free.stdout + free.stderr


def test_cli_listen_policies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    listen = [sys.executable, "-m", "rs_dicom.cli", "listen", str(port), "-od", str(tmp_path)]
    listen += ["--accept-aet", "GOOD_AE", "--accept-aet", "OTHER_AE", "--max-associations", "1"]
    with process(listen, port):
        # An ended connection (the fixture's probe of the port, an earlier association) holds
        # the only slot until its server thread has ended too: on a loaded machine that can
        # take a while, so wait for the slot instead of sleeping.
        deadline = time.monotonic() + 20
        while True:
            assert main(["echo", "127.0.0.1", str(port), "--aet", "BAD_AE", "-to", "5"]) == 1
            err = capsys.readouterr().err
            if "local limit exceeded" not in err:
                break
            assert time.monotonic() < deadline, "the slot was never free"
            time.sleep(0.1)
        assert "calling AE title not recognized" in err
        while main(["echo", "127.0.0.1", str(port), "--aet", "OTHER_AE", "-to", "5"]) != 0:
            assert "local limit exceeded" in capsys.readouterr().err
            assert time.monotonic() < deadline, "the slot was never free again"
            time.sleep(0.1)
        # `associate` connects when entered: the retry is around entering it.
        held = ExitStack()
        while True:
            try:
                held.enter_context(
                    net.associate("127.0.0.1", port, ae_title="GOOD_AE", contexts=[], timeout=5)
                )
                break
            except net.AssociationRejectedError as e:
                assert "local limit exceeded" in str(e)
                assert time.monotonic() < deadline, "the slot was never free again"
                time.sleep(0.1)
        capsys.readouterr()
        with held:
            assert main(["echo", "127.0.0.1", str(port), "--aet", "GOOD_AE", "-to", "5"]) == 1
            assert "local limit exceeded" in capsys.readouterr().err
