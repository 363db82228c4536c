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

/// Data sets whose lengths fall on either side of one and two whole P-DATA fragments: the
/// SCU sends whole fragments straight from the file's bytes and the rest through its buffer,
/// so the boundaries are where a byte could be lost or a fragment left empty. All are sent
/// with `send_all` (files read ahead on another thread) and must arrive byte for byte.
#[test]
fn fragment_boundaries_arrive_byte_for_byte() {
    use rs_dicom::core::{Tag, VR};
    use rs_dicom::writer::{FileParts, WriteOptions, write_file};
    use rs_dicom_net::send::{Item, send_all};

    let dir = temp_dir("boundaries");
    let src = temp_dir("boundaries_src");
    std::fs::create_dir_all(&src).unwrap();
    let base = rs_dicom::parse_file(sample()).unwrap();
    let encoded = |ds: &rs_dicom::Dataset| {
        let opts = WriteOptions::new(base.transfer_syntax);
        rs_dicom::writer::write_bare(Vec::new(), ds, &opts)
            .unwrap()
            .len()
    };
    // The smallest maximum PDU above the sample's own size, so the sample fits one fragment.
    let max_pdu = u32::try_from(encoded(&base.dataset)).unwrap() + 4096;
    let capacity = max_pdu as usize - 6;
    let mut server = Server::start(
        "127.0.0.1:0",
        {
            let mut c = ServerConfig::storage(&dir);
            c.accept.max_pdu = max_pdu;
            c
        },
        None,
    )
    .unwrap();
    let mut paths = Vec::new();
    for whole in [1usize, 2] {
        for delta in -3i64..=3 {
            let mut ds = base.dataset.clone();
            let uid = format!("1.2.3.{whole}.{}", delta + 10);
            ds.set_bytes(Tag(0x0008, 0x0018), VR::UI, pad(&uid));
            ds.set_bytes(Tag(0x0042, 0x0011), VR::OB, Vec::new());
            let bare = encoded(&ds);
            // OB values are even: the length steps by 2 and the parity of the rest decides.
            let target = (whole * capacity) as i64 + 2 * delta;
            let value = usize::try_from(target - bare as i64).unwrap() & !1;
            ds.set_bytes(Tag(0x0042, 0x0011), VR::OB, vec![0xA5; value]);
            let mut meta = base.meta.clone();
            meta.set_bytes(Tag(0x0002, 0x0003), VR::UI, pad(&uid));
            let parts = FileParts {
                preamble: Some(&[0u8; 128]),
                meta: Some(&meta),
                dataset: &ds,
            };
            let path = src.join(format!("{uid}.dcm"));
            let out = std::fs::File::create(&path).unwrap();
            write_file(out, parts, &WriteOptions::new(base.transfer_syntax)).unwrap();
            paths.push((uid, path));
        }
    }
    let items = paths.iter().map(|(_, p)| Item::Path(p.clone())).collect();
    let outcomes = send_all(items, server.local_addr(), &config(), 1, &|_, _| {}).unwrap();
    assert!(outcomes.iter().all(|o| o.status == Some(0)), "{outcomes:?}");
    server.stop();
    let tail =
        |f: &rs_dicom::parser::DicomFile| f.dataset.source().bytes()[f.dataset.offset()..].to_vec();
    let mut lengths = Vec::new();
    for (uid, path) in &paths {
        let sent = rs_dicom::parse_file(path).unwrap();
        let got = rs_dicom::parse_file(dir.join(format!("{uid}.dcm"))).unwrap();
        assert_eq!(tail(&got), tail(&sent), "{uid}");
        lengths.push(tail(&sent).len());
    }
    // The lengths straddle one and two whole fragments.
    for whole in [1, 2] {
        let at = whole * capacity;
        assert!(lengths.iter().any(|&l| l < at) && lengths.iter().any(|&l| l > at));
        assert!(
            lengths.iter().any(|&l| l == at || l == at + 1),
            "{lengths:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&src).unwrap();
}

fn pad(uid: &str) -> Vec<u8> {
    let mut b = uid.as_bytes().to_vec();
    if b.len() % 2 == 1 {
        b.push(0);
    }
    b
}
