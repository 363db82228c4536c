//! TLS between our SCU and our SCP on 127.0.0.1, with certificates made by `openssl` for the
//! test: server authentication, mutual authentication, and the refusals (unknown CA, missing
//! client certificate, plain TCP to a TLS port) with their messages.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rs_dicom_net::assoc::{RequestConfig, request};
use rs_dicom_net::scp::{Server, ServerConfig};
use rs_dicom_net::scu::{self, Instance};
use rs_dicom_net::tls::{PeerCheck, TlsClient, TlsOptions, server_config};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed for the TLS tests (apt install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and leaf certificates signed by it for "server" and "client"; "rogue" is signed by
/// another CA.
fn certificates(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rs_dicom_tls_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for ca in ["ca", "rogue_ca"] {
        openssl(
            &dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                &format!("/CN={ca}"),
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.pem"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
    }
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    for (leaf, ca) in [("server", "ca"), ("client", "ca"), ("rogue", "rogue_ca")] {
        openssl(
            &dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN={leaf}"),
                "-keyout",
                &format!("{leaf}.key"),
                "-out",
                &format!("{leaf}.csr"),
            ],
        );
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{leaf}.csr"),
                "-CA",
                &format!("{ca}.pem"),
                "-CAkey",
                &format!("{ca}.key"),
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                &format!("{leaf}.pem"),
                "-extfile",
                "leaf.ext",
            ],
        );
    }
    dir
}

fn options(dir: &Path, who: Option<&str>, peer: PeerCheck) -> TlsOptions {
    TlsOptions {
        cert: who.map(|w| dir.join(format!("{w}.pem"))),
        key: who.map(|w| dir.join(format!("{w}.key"))),
        ca: vec![dir.join("ca.pem")],
        peer,
        check_hostname: false,
    }
}

fn server(dir: &Path, peer: PeerCheck) -> Server {
    let mut cfg = ServerConfig::storage(dir.join("received"));
    cfg.accept.tls = Some(server_config(&options(dir, Some("server"), peer)).unwrap());
    cfg.accept.artim = Duration::from_secs(5);
    Server::start("127.0.0.1:0", cfg, None).unwrap()
}

fn client(tls: Option<TlsClient>) -> RequestConfig {
    RequestConfig {
        artim: Duration::from_secs(5),
        dimse_timeout: Some(Duration::from_secs(10)),
        tls,
        ..Default::default()
    }
}

fn sample() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample_ct.dcm"
    ))
}

#[test]
fn store_over_tls_with_mutual_authentication() {
    let dir = certificates("mutual");
    let srv = server(&dir, PeerCheck::Require);
    let tls = TlsClient::new(
        &options(&dir, Some("client"), PeerCheck::Require),
        "127.0.0.1",
    );
    let inst = Instance::from_file(&sample()).unwrap();
    let contexts = scu::contexts_for([(inst.sop_class.as_str(), inst.ts)]).unwrap();
    let mut cfg = client(Some(tls.unwrap()));
    cfg.max_pdu = 4096;
    let mut assoc = request(srv.local_addr(), &cfg, contexts).unwrap();
    assert!(assoc.is_tls());
    assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
    assert_eq!(scu::store(&mut assoc, &inst).unwrap(), 0);
    assoc.release().unwrap();
    drop(srv);
    let stored = std::fs::read(
        dir.join("received")
            .join(format!("{}.dcm", inst.sop_instance)),
    );
    let original = rs_dicom::parse_file(sample()).unwrap();
    let stored = rs_dicom::parse_bytes(stored.unwrap()).unwrap();
    let tail =
        |f: &rs_dicom::parser::DicomFile| f.dataset.source().bytes()[f.dataset.offset()..].to_vec();
    assert_eq!(tail(&stored), tail(&original));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn refusals_say_why() {
    let dir = certificates("refusals");
    let srv = server(&dir, PeerCheck::Require);
    let addr = srv.local_addr();
    let contexts = scu::contexts_for([]).unwrap();
    let fails = |tls: TlsOptions| {
        let cfg = client(Some(TlsClient::new(&tls, "127.0.0.1").unwrap()));
        let msg = request(addr, &cfg, contexts.clone()).err().unwrap().message;
        eprintln!("{msg}");
        msg
    };
    // Our client does not trust the server's CA.
    let mut untrusting = options(&dir, Some("client"), PeerCheck::Require);
    untrusting.ca = vec![dir.join("rogue_ca.pem")];
    let msg = fails(untrusting);
    assert!(
        msg.contains("TLS handshake failed") && msg.contains("UnknownIssuer"),
        "{msg}"
    );
    // The server requires a client certificate.
    let msg = fails(options(&dir, None, PeerCheck::Require));
    assert!(msg.to_lowercase().contains("certificaterequired"), "{msg}");
    // A client certificate from another CA.
    let msg = fails(options(&dir, Some("rogue"), PeerCheck::Require));
    assert!(msg.contains("alert"), "{msg}");
    // Plain TCP to a TLS port.
    let msg = request(addr, &client(None), contexts.clone())
        .err()
        .unwrap()
        .message;
    assert!(msg.contains("association request"), "{msg}");
    // Host name checked on request: the certificate names 127.0.0.1, not 127.0.0.2.
    let mut strict = options(&dir, Some("client"), PeerCheck::Require);
    strict.check_hostname = true;
    let cfg = client(Some(TlsClient::new(&strict, "127.0.0.2").unwrap()));
    let msg = request(addr, &cfg, contexts.clone()).err().unwrap().message;
    assert!(msg.contains("not valid for name"), "{msg}");
    // After all that the server still serves.
    let ok = client(Some(
        TlsClient::new(
            &options(&dir, Some("client"), PeerCheck::Require),
            "127.0.0.1",
        )
        .unwrap(),
    ));
    let mut assoc = request(addr, &ok, contexts.clone()).unwrap();
    assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
    assoc.release().unwrap();
    drop(srv);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn optional_and_ignored_peer_certificates() {
    let dir = certificates("optional");
    // The server verifies a client certificate only when one is given.
    let srv = server(&dir, PeerCheck::VerifyIfPresent);
    let contexts = scu::contexts_for([]).unwrap();
    for who in [None, Some("client")] {
        let tls = TlsClient::new(&options(&dir, who, PeerCheck::Require), "localhost").unwrap();
        let mut assoc = request(srv.local_addr(), &client(Some(tls)), contexts.clone()).unwrap();
        assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
        assoc.release().unwrap();
    }
    // A client that ignores the server's certificate connects without any CA.
    let ignoring = TlsOptions {
        ca: Vec::new(),
        ..options(&dir, None, PeerCheck::Ignore)
    };
    let tls = TlsClient::new(&ignoring, "127.0.0.1").unwrap();
    let mut assoc = request(srv.local_addr(), &client(Some(tls)), contexts.clone()).unwrap();
    assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
    assoc.release().unwrap();
    // Verifying without a CA, or a server without a certificate, is a configuration error.
    let err = TlsClient::new(&TlsOptions::default(), "127.0.0.1")
        .err()
        .unwrap();
    assert!(err.message.contains("+cf"), "{err}");
    let err = server_config(&options(&dir, None, PeerCheck::Ignore))
        .err()
        .unwrap();
    assert!(
        err.message.contains("certificate and its private key"),
        "{err}"
    );
    drop(srv);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stalled_and_plaintext_peers_of_a_tls_server_are_closed() {
    use std::io::{Read, Write};
    let dir = certificates("stalled");
    let mut cfg = ServerConfig::storage(dir.join("received"));
    cfg.accept.tls =
        Some(server_config(&options(&dir, Some("server"), PeerCheck::Require)).unwrap());
    cfg.accept.artim = Duration::from_millis(500);
    let srv = Server::start("127.0.0.1:0", cfg, None).unwrap();
    let started = std::time::Instant::now();
    // No handshake at all, half a ClientHello, and a plaintext A-ASSOCIATE-RQ.
    let mut silent = std::net::TcpStream::connect(srv.local_addr()).unwrap();
    let mut half = std::net::TcpStream::connect(srv.local_addr()).unwrap();
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .unwrap();
    let mut plain = std::net::TcpStream::connect(srv.local_addr()).unwrap();
    plain.write_all(&[0x01, 0, 0, 0, 0, 4, 0, 1, 0, 0]).unwrap();
    for s in [&mut silent, &mut half, &mut plain] {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        // At most a TLS alert: never a PDU in the clear.
        assert!(rest.first().is_none_or(|b| *b == 0x15), "{rest:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(4));
    let tls = TlsClient::new(
        &options(&dir, Some("client"), PeerCheck::Require),
        "127.0.0.1",
    );
    let mut assoc = request(
        srv.local_addr(),
        &client(Some(tls.unwrap())),
        scu::contexts_for([]).unwrap(),
    )
    .unwrap();
    assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
    assoc.release().unwrap();
    drop(srv);
    std::fs::remove_dir_all(&dir).unwrap();
}
