"""TLS against pynetdicom (Python's ssl, i.e. OpenSSL), both ways, mutual authentication:
our SCU to a pynetdicom storage SCP, pynetdicom's SCU to our SCP, and pynetdicom without a
client certificate refused by our SCP."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from net_support import assert_same_instance, pydicom_file, received
from rs_dicom import net
from test_net_pynetdicom import _pynetdicom  # noqa: F401  (the module fixture)
from tls_support import Certs, make_certs


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


def context(certs: Certs, purpose: ssl.Purpose, who: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(purpose, cafile=certs.ca)
    if purpose is ssl.Purpose.SERVER_AUTH:
        ctx.check_hostname = False  # the certificate names 127.0.0.1; DICOM peers rarely check
    else:
        ctx.verify_mode = ssl.CERT_REQUIRED
    if who is not None:
        ctx.load_cert_chain(certs.cert(who), certs.key(who))
    return ctx


def test_our_scu_to_pynetdicom_scp_over_tls(tmp_path: Path, certs: Certs) -> None:
    from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, evt
    from pynetdicom.sop_class import CTImageStorage, Verification

    def on_store(event):
        ds = event.dataset
        ds.file_meta = event.file_meta
        ds.save_as(tmp_path / f"{ds.SOPInstanceUID}.dcm", enforce_file_format=True)
        return 0x0000

    ae = AE(ae_title="PYNETDICOM")
    ae.add_supported_context(CTImageStorage, ALL_TRANSFER_SYNTAXES)
    ae.add_supported_context(Verification)
    server = ae.start_server(
        ("127.0.0.1", 0),
        block=False,
        evt_handlers=[(evt.EVT_C_STORE, on_store)],
        ssl_context=context(certs, ssl.Purpose.CLIENT_AUTH, "server"),
    )
    port = server.server_address[1]
    ours = net.TLS(cert=certs.cert("client"), key=certs.key("client"), ca=certs.ca)
    src = pydicom_file("CT_small.dcm")
    try:
        assert net.echo("127.0.0.1", port, timeout=10, tls=ours) == 0
        results = net.send([src], "127.0.0.1", port, timeout=10, tls=ours)
        # Without our certificate pynetdicom's server refuses the handshake.
        with pytest.raises(net.NetworkError):
            net.echo("127.0.0.1", port, timeout=10, tls=net.TLS(ca=certs.ca))
    finally:
        server.shutdown()
    assert [r.status for r in results] == [0], results
    (got,) = received(tmp_path)
    assert_same_instance(src, got)


def test_pynetdicom_scu_to_our_scp_over_tls(tmp_path: Path, certs: Certs) -> None:
    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage, Verification

    src = pydicom_file("CT_small.dcm")
    tls = net.TLS(cert=certs.cert("server"), key=certs.key("server"), ca=certs.ca)
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10, tls=tls) as srv:
        ae = AE(ae_title="PYSCU")
        ae.add_requested_context(Verification)
        ae.add_requested_context(CTImageStorage)
        client = context(certs, ssl.Purpose.SERVER_AUTH, "client")
        assoc = ae.associate("127.0.0.1", srv.port, tls_args=(client, None))
        assert assoc.is_established
        try:
            assert assoc.send_c_echo().Status == 0
            assert assoc.send_c_store(src).Status == 0
        finally:
            assoc.release()
        anonymous = context(certs, ssl.Purpose.SERVER_AUTH, None)
        refused = ae.associate("127.0.0.1", srv.port, tls_args=(anonymous, None))
        assert not refused.is_established
        stats = srv.stats()
    assert stats["stored"] == 1 and stats["associations"] == 1, stats
    (got,) = received(tmp_path)
    assert_same_instance(src, got)
