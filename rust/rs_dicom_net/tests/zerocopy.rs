//! The zero-copy paths (Linux, plain TCP): our SCU sending a file's data set with `sendfile`,
//! our SCP splicing large fragments from the socket into the file. The stored data set must
//! be the bytes of the source file, whatever the PDU size; a connection lost in the middle
//! of a spliced fragment must leave no file; PDVs after a spliced last fragment in the same
//! PDU must still be read.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rs_dicom::core::{Tag, VR};
use rs_dicom::writer::{FileParts, WriteOptions, write_file};
use rs_dicom_net::assoc::RequestConfig;
use rs_dicom_net::dimse;
use rs_dicom_net::pdu::{
    APPLICATION_CONTEXT, AssociateRq, Pdu, PresentationContextRq, UserInformation, kind, read_pdu,
};
use rs_dicom_net::scp::{Server, ServerConfig};
use rs_dicom_net::send::{Item, send_all};

const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const IMPLICIT: &str = "1.2.840.10008.1.2";

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rs_dicom_zc_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn sample() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample_ct.dcm"
    ))
}

/// The sample CT with a private OB value of `extra` pseudo-random bytes and a new SOP
/// Instance UID: a data set of several PDUs.
fn large_file(dir: &Path, uid: &str, extra: usize) -> PathBuf {
    let f = rs_dicom::parse_file(sample()).unwrap();
    let mut ds = f.dataset.clone();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let bytes: Vec<u8> = (0..extra)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    ds.set_bytes(Tag(0x0009, 0x0010), VR::LO, b"ZEROCOPY".to_vec());
    ds.set_bytes(Tag(0x0009, 0x1010), VR::OB, bytes);
    ds.set_bytes(Tag(0x0008, 0x0018), VR::UI, uid.as_bytes().to_vec());
    let mut meta = f.meta.clone();
    meta.set_bytes(Tag(0x0002, 0x0003), VR::UI, uid.as_bytes().to_vec());
    let path = dir.join(format!("{uid}.src"));
    let mut out = std::fs::File::create(&path).unwrap();
    let parts = FileParts {
        preamble: Some(&[0u8; 128]),
        meta: Some(&meta),
        dataset: &ds,
    };
    write_file(&mut out, parts, &WriteOptions::new(f.transfer_syntax)).unwrap();
    path
}

/// The encoded data set of a Part 10 file (what follows its file meta).
fn data_set(path: &Path) -> Vec<u8> {
    let f = rs_dicom::parse_file(path).unwrap();
    f.dataset.source().bytes()[f.dataset.offset()..].to_vec()
}

fn config() -> RequestConfig {
    RequestConfig {
        artim: Duration::from_secs(5),
        dimse_timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    }
}

#[test]
fn large_files_arrive_byte_equal_at_every_pdu_size() {
    let src = temp_dir("src");
    std::fs::create_dir_all(&src).unwrap();
    // Even UIDs (no padding), one per size: 5 MB, 100 KB (a single PDU at 256 KiB).
    let files = [
        large_file(&src, "1.2.826.0.1.3680043.2.1125.77.1", 5 << 20),
        large_file(&src, "1.2.826.0.1.3680043.2.1125.77.2", 100_000),
    ];
    for (pdu, name) in [
        (0u32, "pdu_default"),
        (16384, "pdu_16k"),
        (1 << 20, "pdu_1m"),
    ] {
        let dir = temp_dir(name);
        let mut cfg = ServerConfig::storage(&dir);
        if pdu != 0 {
            cfg.accept.max_pdu = pdu;
        }
        let server = Server::start("127.0.0.1:0", cfg, None).unwrap();
        let mut rq = config();
        if pdu != 0 {
            rq.max_pdu = pdu;
        }
        // The first file twice: the second replaces the first.
        let items = [&files[0], &files[0], &files[1]]
            .iter()
            .map(|p| Item::Path((*p).clone()))
            .collect();
        let outcomes = send_all(items, server.local_addr(), &rq, 1, &|_, _| {}).unwrap();
        assert!(outcomes.iter().all(|o| o.status == Some(0)), "{outcomes:?}");
        let mut want = Vec::new();
        for f in &files {
            let uid = f.file_stem().unwrap().to_string_lossy().into_owned();
            let got = data_set(&dir.join(format!("{uid}.dcm")));
            assert!(got == data_set(f), "{name}: {uid} differs");
            want.push(format!("{uid}.dcm"));
        }
        drop(server);
        // Nothing else: no part file is left once the server stopped.
        assert_eq!(names(&dir), want);
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::remove_dir_all(&src).unwrap();
}

/// An association proposing CT in implicit VR little endian on context 3.
fn raw_association(addr: std::net::SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let rq = AssociateRq {
        protocol_version: 1,
        called_ae: "ANY-SCP".into(),
        calling_ae: "RAW".into(),
        application_context: APPLICATION_CONTEXT.into(),
        contexts: vec![PresentationContextRq {
            id: 3,
            abstract_syntax: CT.into(),
            transfer_syntaxes: vec![IMPLICIT.into()],
        }],
        user: UserInformation {
            max_pdu_length: Some(1 << 16),
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

fn pdv(context_id: u8, control: u8, data: &[u8]) -> Vec<u8> {
    let mut v = ((data.len() + 2) as u32).to_be_bytes().to_vec();
    v.push(context_id);
    v.push(control);
    v.extend_from_slice(data);
    v
}

fn pdu(pdvs: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = pdvs.concat();
    let mut p = vec![kind::P_DATA_TF, 0];
    p.extend_from_slice(&(body.len() as u32).to_be_bytes());
    p.extend_from_slice(&body);
    p
}

/// The PDU and PDV headers of one data fragment (context 3, not last) of `len` bytes, whose
/// bytes the caller sends (or not).
fn fragment_head(len: u32) -> Vec<u8> {
    let mut head = vec![kind::P_DATA_TF, 0];
    head.extend_from_slice(&(len + 6).to_be_bytes());
    head.extend_from_slice(&(len + 2).to_be_bytes());
    head.extend_from_slice(&[3, 0]);
    head
}

fn store_rq(id: u16, uid: &str) -> Vec<u8> {
    pdv(3, 3, &dimse::store_rq(id, CT, uid).to_bytes().unwrap())
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Waits until `dir` holds exactly `want` (the association's threads end after the peer).
fn settle(dir: &Path, want: &[&str]) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = names(dir);
        if got == want || Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn connection_lost_inside_a_spliced_fragment_leaves_no_file() {
    let dir = temp_dir("lost");
    let server = Server::start("127.0.0.1:0", ServerConfig::storage(&dir), None).unwrap();
    let mut s = raw_association(server.local_addr());
    s.write_all(&pdu(&[store_rq(1, "1.2.3.4.5.6")])).unwrap();
    // A fragment announced as 200,000 bytes, of which 150,000 come before the connection
    // is lost: well above what is read rather than spliced.
    s.write_all(&fragment_head(200_000)).unwrap();
    s.write_all(&vec![7u8; 150_000]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(s);
    assert_eq!(settle(&dir, &[]), Vec::<String>::new());
    assert_eq!(server.stats().stored.load(Ordering::Relaxed), 0);
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_command_after_a_spliced_last_fragment_in_the_same_pdu_is_served() {
    let dir = temp_dir("same_pdu");
    let server = Server::start("127.0.0.1:0", ServerConfig::storage(&dir), None).unwrap();
    let mut s = raw_association(server.local_addr());
    let big: Vec<u8> = (0..60_000u32).map(|i| (i % 251) as u8).collect();
    s.write_all(&pdu(&[store_rq(1, "1.2.3.4.5.6")])).unwrap();
    // The first data set's only fragment (spliced), then the next request, in one PDU.
    s.write_all(&pdu(&[pdv(3, 2, &big), store_rq(2, "1.2.3.4.5.8")]))
        .unwrap();
    s.write_all(&pdu(&[pdv(3, 2, &[1, 2, 3, 4])])).unwrap();
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let mut body = Vec::new();
        assert_eq!(
            read_pdu(&mut s, 1 << 20, &mut body).unwrap(),
            kind::P_DATA_TF
        );
        let rsp = dimse::Command::parse(&body[6..]).unwrap();
        statuses.push(rsp.us(dimse::tags::STATUS));
    }
    assert_eq!(statuses, [Some(0), Some(0)]);
    s.write_all(&Pdu::ReleaseRq.to_bytes().unwrap()).unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    let want = ["1.2.3.4.5.6.dcm", "1.2.3.4.5.8.dcm"];
    assert_eq!(settle(&dir, &want), want);
    let stored = std::fs::read(dir.join(want[0])).unwrap();
    assert!(
        stored.ends_with(&big),
        "the spliced fragment is the file's data set"
    );
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_peer_stalled_inside_a_spliced_fragment_is_closed_by_the_timeout() {
    let dir = temp_dir("stalled");
    let mut cfg = ServerConfig::storage(&dir);
    cfg.accept.idle_timeout = Some(Duration::from_millis(500));
    let server = Server::start("127.0.0.1:0", cfg, None).unwrap();
    let started = Instant::now();
    let mut s = raw_association(server.local_addr());
    s.write_all(&pdu(&[store_rq(1, "1.2.3.4.5.6")])).unwrap();
    // 200,000 bytes announced, 100,000 sent, then nothing (the connection stays open).
    s.write_all(&fragment_head(200_000)).unwrap();
    s.write_all(&vec![7u8; 100_000]).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "not closed by the timeout"
    );
    assert_eq!(settle(&dir, &[]), Vec::<String>::new());
    assert_eq!(server.stats().stored.load(Ordering::Relaxed), 0);
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}
