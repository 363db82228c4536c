//! Our SCU against our SCP on 127.0.0.1: echo, store (the stored file's data set is the
//! bytes sent), negotiation failures and rejections.

use std::path::PathBuf;
use std::time::Duration;

use rs_dicom_net::assoc::{RequestConfig, request};
use rs_dicom_net::pdu::PresentationContextRq;
use rs_dicom_net::scp::{Server, ServerConfig};
use rs_dicom_net::scu::{self, Instance};

fn sample() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample_ct.dcm"
    ))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rs_dicom_net_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn config() -> RequestConfig {
    RequestConfig {
        artim: Duration::from_secs(5),
        dimse_timeout: Some(Duration::from_secs(10)),
        ..Default::default()
    }
}

#[test]
fn echo_and_store_round_trip() {
    let dir = temp_dir("store");
    let mut server = Server::start("127.0.0.1:0", ServerConfig::storage(&dir), None).unwrap();
    let inst = Instance::from_file(&sample()).unwrap();
    let contexts = scu::contexts_for([(inst.sop_class.as_str(), inst.ts)]).unwrap();
    // A small maximum PDU on both sides, so that the data set is cut into many fragments.
    let mut cfg = config();
    cfg.max_pdu = 4096;
    let mut assoc = request(server.local_addr(), &cfg, contexts).unwrap();
    assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
    assert_eq!(scu::store(&mut assoc, &inst).unwrap(), 0);
    assoc.release().unwrap();
    server.stop();
    let stored = rs_dicom::parse_file(dir.join(format!("{}.dcm", inst.sop_instance))).unwrap();
    let original = rs_dicom::parse_file(sample()).unwrap();
    assert_eq!(stored.transfer_syntax.uid, original.transfer_syntax.uid);
    let tail =
        |f: &rs_dicom::parser::DicomFile| f.dataset.source().bytes()[f.dataset.offset()..].to_vec();
    assert_eq!(tail(&stored), tail(&original));
    assert_eq!(
        server
            .stats()
            .stored
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_abstract_syntax_is_not_accepted() {
    let dir = temp_dir("unknown");
    let server = Server::start("127.0.0.1:0", ServerConfig::storage(&dir), None).unwrap();
    let contexts = vec![
        PresentationContextRq {
            id: 1,
            abstract_syntax: "1.2.3.4.5.6.7".into(),
            transfer_syntaxes: vec!["1.2.840.10008.1.2".into()],
        },
        PresentationContextRq {
            id: 3,
            abstract_syntax: rs_dicom_net::VERIFICATION.into(),
            transfer_syntaxes: vec!["9.9.9".into()],
        },
    ];
    let assoc = request(server.local_addr(), &config(), contexts).unwrap();
    let results: Vec<u8> = assoc.contexts().iter().map(|c| c.result).collect();
    assert_eq!(results, [3, 4]);
    assoc.release().unwrap();
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_called_ae_is_rejected_when_required() {
    let dir = temp_dir("called");
    let mut cfg = ServerConfig::storage(&dir);
    cfg.accept.ae_title = "STORE_SCP".into();
    cfg.accept.require_called_ae = true;
    let server = Server::start("127.0.0.1:0", cfg, None).unwrap();
    let contexts = scu::contexts_for([]).unwrap();
    let err = request(server.local_addr(), &config(), contexts.clone())
        .err()
        .unwrap();
    assert!(
        err.message.contains("called AE title not recognized"),
        "{err}"
    );
    let mut ok = config();
    ok.called_ae = "STORE_SCP".into();
    let mut assoc = request(server.local_addr(), &ok, contexts).unwrap();
    assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
    assoc.release().unwrap();
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn garbage_and_stalled_clients_do_not_stop_the_server() {
    use std::io::Write;
    let dir = temp_dir("garbage");
    let mut cfg = ServerConfig::storage(&dir);
    cfg.accept.artim = Duration::from_millis(300);
    let server = Server::start("127.0.0.1:0", cfg, None).unwrap();
    let mut bad = std::net::TcpStream::connect(server.local_addr()).unwrap();
    bad.write_all(&[0x01, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3])
        .unwrap();
    let _stalled = std::net::TcpStream::connect(server.local_addr()).unwrap();
    let mut assoc = request(
        server.local_addr(),
        &config(),
        scu::contexts_for([]).unwrap(),
    )
    .unwrap();
    assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
    assoc.release().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        server
            .stats()
            .refused
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 2
    );
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}
