//! Faulty peers against our SCP on 127.0.0.1: stalls, garbage and truncated PDUs, oversized
//! lengths, aborts inside a data set, commands on a context that was not accepted, and a
//! thousand connections opened and closed. After each, the server must still serve a normal
//! association, leave no partial file behind, and keep its memory bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rs_dicom_net::assoc::{RequestConfig, request};
use rs_dicom_net::dimse;
use rs_dicom_net::pdu::{
    APPLICATION_CONTEXT, AssociateRq, Pdu, PresentationContextRq, UserInformation, kind, read_pdu,
};
use rs_dicom_net::scp::{Server, ServerConfig};
use rs_dicom_net::scu;

const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const IMPLICIT: &str = "1.2.840.10008.1.2";

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rs_dicom_faults_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn start(name: &str, tune: impl FnOnce(&mut ServerConfig)) -> (Server, PathBuf) {
    let dir = temp_dir(name);
    let mut cfg = ServerConfig::storage(&dir);
    cfg.accept.artim = Duration::from_millis(500);
    cfg.accept.idle_timeout = Some(Duration::from_millis(500));
    tune(&mut cfg);
    (Server::start("127.0.0.1:0", cfg, None).unwrap(), dir)
}

/// A normal association still works.
fn still_serves(addr: SocketAddr) {
    let cfg = RequestConfig {
        artim: Duration::from_secs(5),
        dimse_timeout: Some(Duration::from_secs(5)),
        ..Default::default()
    };
    let mut assoc = request(addr, &cfg, scu::contexts_for([]).unwrap()).unwrap();
    assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
    assoc.release().unwrap();
}

/// Files (and partial files) in the server's directory.
fn entries(dir: &PathBuf) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A raw connection with an established association proposing Verification (1) and CT (3).
fn raw_association(addr: SocketAddr, max_pdu: u32) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let rq = AssociateRq {
        protocol_version: 1,
        called_ae: "ANY-SCP".into(),
        calling_ae: "FAULTY".into(),
        application_context: APPLICATION_CONTEXT.into(),
        contexts: vec![
            PresentationContextRq {
                id: 1,
                abstract_syntax: rs_dicom_net::VERIFICATION.into(),
                transfer_syntaxes: vec![IMPLICIT.into()],
            },
            PresentationContextRq {
                id: 3,
                abstract_syntax: CT.into(),
                transfer_syntaxes: vec![IMPLICIT.into()],
            },
            PresentationContextRq {
                id: 5,
                abstract_syntax: "1.2.3.999".into(),
                transfer_syntaxes: vec![IMPLICIT.into()],
            },
        ],
        user: UserInformation {
            max_pdu_length: Some(max_pdu),
            implementation_class_uid: "1.2.3.4".into(),
            ..Default::default()
        },
    };
    Pdu::AssociateRq(rq).write_to(&mut s).unwrap();
    let mut body = Vec::new();
    assert_eq!(
        read_pdu(&mut s, 1 << 20, &mut body).unwrap(),
        kind::ASSOCIATE_AC
    );
    s
}

fn pdata(context_id: u8, control: u8, data: &[u8]) -> Vec<u8> {
    let mut pdu = vec![kind::P_DATA_TF, 0];
    pdu.extend_from_slice(&((data.len() + 6) as u32).to_be_bytes());
    pdu.extend_from_slice(&((data.len() + 2) as u32).to_be_bytes());
    pdu.push(context_id);
    pdu.push(control);
    pdu.extend_from_slice(data);
    pdu
}

fn store_rq(context_id: u8) -> Vec<u8> {
    let rq = dimse::store_rq(7, CT, "1.2.3.4.5.6");
    pdata(context_id, 3, &rq.to_bytes().unwrap())
}

/// The server's error count once it reached `want` or 5 s passed: the association's thread
/// counts its error after the abort went out and the socket closed, so the client can see
/// the abort before the count moves.
fn errors_after_settling(server: &Server, want: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let n = server.stats().errors.load(Ordering::Relaxed);
        if n >= want || Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// What the server answers next: the PDU type, or None when it closed without a PDU.
fn next_pdu(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut body = Vec::new();
    read_pdu(s, 1 << 20, &mut body).ok().map(|k| (k, body))
}

/// The server sends an A-ABORT (source 2, the provider) and closes.
fn expect_provider_abort(s: &mut TcpStream) {
    let (k, body) = next_pdu(s).expect("an A-ABORT");
    assert_eq!(k, kind::ABORT, "{body:?}");
    assert_eq!(body[2], 2, "source: the service provider");
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert!(rest.is_empty());
}

#[test]
fn unknown_pdu_type_on_an_association_is_aborted() {
    let (server, dir) = start("unknown_type", |_| {});
    let mut s = raw_association(server.local_addr(), 16384);
    s.write_all(&[0x4F, 0, 0, 0, 0, 4, 1, 2, 3, 4]).unwrap();
    expect_provider_abort(&mut s);
    still_serves(server.local_addr());
    assert_eq!(errors_after_settling(&server, 1), 1);
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn oversized_pdu_length_is_refused_before_allocating() {
    let (server, dir) = start("oversize", |c| c.accept.max_pdu = 16384);
    let mut s = raw_association(server.local_addr(), 16384);
    // 4 GiB announced: refused from the header alone.
    s.write_all(&[kind::P_DATA_TF, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0])
        .unwrap();
    expect_provider_abort(&mut s);
    // One byte above the negotiated maximum is refused too.
    let mut s = raw_association(server.local_addr(), 16384);
    s.write_all(&[kind::P_DATA_TF, 0]).unwrap();
    s.write_all(&16385u32.to_be_bytes()).unwrap();
    expect_provider_abort(&mut s);
    still_serves(server.local_addr());
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn garbage_inside_a_pdata_pdu_is_aborted() {
    let (server, dir) = start("garbage_pdv", |_| {});
    let mut s = raw_association(server.local_addr(), 16384);
    // A PDV item claiming more bytes than its PDU holds.
    let mut pdu = vec![kind::P_DATA_TF, 0, 0, 0, 0, 8];
    pdu.extend_from_slice(&[0, 0, 0x10, 0, 1, 3, 0, 0]);
    s.write_all(&pdu).unwrap();
    expect_provider_abort(&mut s);
    // A command set that is not one.
    let mut s = raw_association(server.local_addr(), 16384);
    s.write_all(&pdata(1, 3, &[0xde, 0xad, 0xbe, 0xef, 1, 2, 3]))
        .unwrap();
    expect_provider_abort(&mut s);
    still_serves(server.local_addr());
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn truncated_pdu_and_stalled_peer_are_closed_by_the_timeout() {
    let (server, dir) = start("truncated", |_| {});
    let started = Instant::now();
    let mut s = raw_association(server.local_addr(), 16384);
    // 100 bytes announced, 10 sent, then nothing: the idle timeout (500 ms) ends it.
    s.write_all(&[kind::P_DATA_TF, 0, 0, 0, 0, 100]).unwrap();
    s.write_all(&[0; 10]).unwrap();
    let mut stalled = TcpStream::connect(server.local_addr()).unwrap();
    stalled.write_all(&[kind::ASSOCIATE_RQ, 0, 0, 0]).unwrap();
    still_serves(server.local_addr());
    let answer = next_pdu(&mut s);
    assert!(
        matches!(answer, None | Some((kind::ABORT, _))),
        "{answer:?}"
    );
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    assert!(started.elapsed() < Duration::from_secs(5));
    // Truncated and closed: the other end of the stream vanishes mid-PDU.
    let mut s = raw_association(server.local_addr(), 16384);
    s.write_all(&[kind::P_DATA_TF, 0, 0, 0, 0, 100, 0, 0])
        .unwrap();
    drop(s);
    still_serves(server.local_addr());
    assert!(errors_after_settling(&server, 2) >= 2);
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn abort_inside_a_data_set_leaves_no_file() {
    let (server, dir) = start("abort_mid", |_| {});
    let mut s = raw_association(server.local_addr(), 16384);
    s.write_all(&store_rq(3)).unwrap();
    s.write_all(&pdata(3, 0, &[0u8; 4000])).unwrap();
    s.write_all(
        &Pdu::Abort(rs_dicom_net::pdu::Abort {
            source: 0,
            reason: 0,
        })
        .to_bytes()
        .unwrap(),
    )
    .unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    still_serves(server.local_addr());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(entries(&dir), Vec::<String>::new());
    assert_eq!(server.stats().stored.load(Ordering::Relaxed), 0);
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn command_on_a_context_not_accepted_is_aborted() {
    let (server, dir) = start("not_accepted", |_| {});
    // Context 5 was proposed and rejected (abstract syntax not supported); 7 never proposed.
    for id in [5u8, 7] {
        let mut s = raw_association(server.local_addr(), 16384);
        s.write_all(&store_rq(id)).unwrap();
        expect_provider_abort(&mut s);
    }
    // The same command on an accepted context is answered.
    let mut s = raw_association(server.local_addr(), 16384);
    let echo = dimse::echo_rq(9);
    s.write_all(&pdata(1, 3, &echo.to_bytes().unwrap()))
        .unwrap();
    let (k, _) = next_pdu(&mut s).expect("a C-ECHO-RSP");
    assert_eq!(k, kind::P_DATA_TF);
    still_serves(server.local_addr());
    assert!(entries(&dir).is_empty());
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_thousand_connections_keep_memory_bounded() {
    let (server, dir) = start("thousand", |_| {});
    let addr = server.local_addr();
    let cycle = |n: usize| {
        for i in 0..n {
            let mut s = TcpStream::connect(addr).unwrap();
            if i % 2 == 0 {
                // Half send a truncated request first.
                let _ = s.write_all(&[kind::ASSOCIATE_RQ, 0, 0, 0, 0, 200, 0, 1]);
            }
            drop(s);
        }
    };
    cycle(100);
    std::thread::sleep(Duration::from_millis(300));
    let before = rss_kib();
    cycle(1000);
    // The server threads end as their peers close.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.stats().refused.load(Ordering::Relaxed) < 1100 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let after = rss_kib();
    eprintln!("RSS before {before} KiB, after 1,000 connections {after} KiB");
    assert!(
        after < before + 16 * 1024,
        "RSS grew from {before} KiB to {after} KiB over 1,000 connections"
    );
    assert_eq!(server.stats().refused.load(Ordering::Relaxed), 1100);
    still_serves(addr);
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn associations_over_the_limit_are_rejected_transiently() {
    let (server, dir) = start("limit", |c| {
        c.max_associations = 2;
        c.accept.idle_timeout = Some(Duration::from_secs(5));
    });
    let cfg = RequestConfig {
        artim: Duration::from_secs(5),
        ..Default::default()
    };
    let contexts = scu::contexts_for([]).unwrap();
    let a = request(server.local_addr(), &cfg, contexts.clone()).unwrap();
    let b = request(server.local_addr(), &cfg, contexts.clone()).unwrap();
    let err = request(server.local_addr(), &cfg, contexts.clone())
        .err()
        .expect("a third association is rejected");
    assert!(err.message.contains("rejected transiently"), "{err}");
    assert!(err.message.contains("local limit exceeded"), "{err}");
    a.release().unwrap();
    // A slot is free again once an association ended.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut c = loop {
        match request(server.local_addr(), &cfg, contexts.clone()) {
            Ok(c) => break c,
            Err(e) if Instant::now() < deadline => {
                assert!(e.message.contains("rejected transiently"), "{e}");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(scu::echo(&mut c).unwrap(), 0);
    c.release().unwrap();
    b.release().unwrap();
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}
