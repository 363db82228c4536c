//! Our Q/R SCU against our Q/R SCP on 127.0.0.1: instances stored by C-STORE are found by
//! C-FIND at each level, retrieved by C-GET on the same association and by C-MOVE to a
//! second SCP, and a C-FIND can be cancelled.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rs_dicom::core::{Tag, VR};
use rs_dicom::{Dataset, TransferSyntax};
use rs_dicom_net::assoc::{RequestConfig, request};
use rs_dicom_net::pdu::{PresentationContextRq, RoleSelection};
use rs_dicom_net::qr::command::status;
use rs_dicom_net::qr::index::Index;
use rs_dicom_net::qr::scp::{Indexing, QrService, server_config};
use rs_dicom_net::qr::scu::{Operation, Query, run};
use rs_dicom_net::qr::{self, set_text, text_of};
use rs_dicom_net::scp::{Server, ServerConfig, StoreHandler};
use rs_dicom_net::scu::{self, Instance};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rs_dicom_qr_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Instances of the sample CT: 2 patients, 3 studies, 4 series, 7 instances.
fn instances() -> Vec<Instance> {
    let layout = [
        ("P1", "1", "1", 2),
        ("P1", "1", "2", 1),
        ("P1", "2", "1", 2),
        ("P2", "3", "1", 2),
    ];
    let mut out = Vec::new();
    for (p, st, se, n) in layout {
        for i in 0..n {
            let date = format!("2020010{st}");
            let s = common::sample_ct("1.2.826.0.1.99", p, st, se, i, &date);
            out.push(Instance::new(s.meta, s.dataset, s.ts).unwrap());
        }
    }
    out
}

struct Pacs {
    server: Server,
    index: Arc<Index>,
}

fn start_pacs(dir: &PathBuf, destinations: HashMap<String, std::net::SocketAddr>) -> Pacs {
    let index = Arc::new(Index::new());
    let service = Arc::new(QrService {
        index: index.clone(),
        ae_title: "QRSCP".into(),
        destinations,
        destination_tls: Default::default(),
    });
    let handler: Arc<dyn StoreHandler> = Arc::new(Indexing {
        index: index.clone(),
        inner: None,
    });
    let server = Server::start("127.0.0.1:0", server_config(dir, service), Some(handler)).unwrap();
    Pacs { server, index }
}

fn config() -> RequestConfig {
    RequestConfig {
        artim: Duration::from_secs(5),
        dimse_timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    }
}

fn qr_contexts(extra: &[&str]) -> Vec<PresentationContextRq> {
    let ts = vec![
        TransferSyntax::EXPLICIT_VR_LE.uid.to_string(),
        TransferSyntax::IMPLICIT_VR_LE.uid.to_string(),
    ];
    qr::QR_SOP_CLASSES
        .iter()
        .chain(extra)
        .enumerate()
        .map(|(i, c)| PresentationContextRq {
            id: (2 * i + 1) as u8,
            abstract_syntax: c.to_string(),
            transfer_syntaxes: ts.clone(),
        })
        .collect()
}

fn query(level: &str, keys: &[(Tag, VR, &str)]) -> Dataset {
    let mut q = Dataset::new();
    set_text(&mut q, qr::QUERY_RETRIEVE_LEVEL, VR::CS, level);
    for (t, vr, v) in keys {
        set_text(&mut q, *t, *vr, v);
    }
    q
}

const STUDY_UID: Tag = Tag(0x0020, 0x000D);

#[test]
fn store_find_get_move_cancel() {
    let dir = temp_dir("pacs");
    let dest_dir = temp_dir("dest");
    let get_dir = temp_dir("get");
    let mut dest = Server::start("127.0.0.1:0", ServerConfig::storage(&dest_dir), None).unwrap();
    let mut dests = HashMap::new();
    dests.insert("DEST".to_string(), dest.local_addr());
    let mut pacs = start_pacs(&dir, dests);
    let addr = pacs.server.local_addr();

    let insts = instances();
    let contexts = scu::contexts_for([(insts[0].sop_class.as_str(), insts[0].ts)]).unwrap();
    let mut a = request(addr, &config(), contexts).unwrap();
    for i in &insts {
        assert_eq!(scu::store(&mut a, i).unwrap(), 0);
    }
    a.release().unwrap();
    assert_eq!(pacs.index.len(), 7);

    let mut a = request(addr, &config(), qr_contexts(&[])).unwrap();
    // Study root, STUDY level: universal key with a count; wildcard on the name.
    let q = query(
        "STUDY",
        &[
            (STUDY_UID, VR::UI, ""),
            (Tag(0x0010, 0x0010), VR::PN, "DOE^P1*"),
            (Tag(0x0020, 0x1208), VR::IS, ""),
        ],
    );
    let (rsps, _) = run(&mut a, qr::STUDY_ROOT_FIND, Operation::Find, &q, None).unwrap();
    assert_eq!(rsps.len(), 3);
    assert!(rsps[..2].iter().all(|r| r.status == status::PENDING));
    assert_eq!(rsps[2].status, status::SUCCESS);
    let found: Vec<(String, String)> = rsps[..2]
        .iter()
        .map(|r| {
            let id = r.identifier.as_ref().unwrap();
            (
                text_of(id, STUDY_UID).unwrap(),
                text_of(id, Tag(0x0020, 0x1208)).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("1.2.826.0.1.99.1".to_string(), "3".to_string()),
            ("1.2.826.0.1.99.2".to_string(), "2".to_string())
        ]
    );
    // A date range at the SERIES level; PATIENT level refused by the study root.
    let q = query(
        "SERIES",
        &[
            (Tag(0x0020, 0x000E), VR::UI, ""),
            (Tag(0x0008, 0x0020), VR::DA, "20200102-"),
        ],
    );
    let (rsps, _) = run(&mut a, qr::PATIENT_ROOT_FIND, Operation::Find, &q, None).unwrap();
    assert_eq!(rsps.len(), 3);
    let q = query("PATIENT", &[(Tag(0x0010, 0x0020), VR::LO, "")]);
    let (rsps, _) = run(&mut a, qr::STUDY_ROOT_FIND, Operation::Find, &q, None).unwrap();
    assert_eq!(rsps.len(), 1);
    assert_eq!(rsps[0].status, status::IDENTIFIER_MISMATCH);

    // Cancel after the first match: the final status is Cancel, not all matches come.
    let q = query("IMAGE", &[(Tag(0x0008, 0x0018), VR::UI, "")]);
    let mut op = Query::start(&mut a, qr::PATIENT_ROOT_FIND, Operation::Find, &q, None).unwrap();
    let first = op.next(&mut a).unwrap().unwrap();
    assert_eq!(first.status, status::PENDING);
    op.cancel(&mut a).unwrap();
    let mut rest = Vec::new();
    while let Some(r) = op.next(&mut a).unwrap() {
        rest.push(r.status);
    }
    // The SCP does not wait between matches: it may have sent them all before the cancel
    // arrived, and then ends with Success (PS3.7 allows both).
    match rest.last() {
        Some(&status::CANCEL) => assert!(rest.len() < 7, "{rest:?}"),
        Some(&status::SUCCESS) => assert_eq!(rest.len(), 7, "{rest:?}"),
        other => panic!("final status {other:?}"),
    }

    // C-MOVE of one study to DEST, and to an unknown AE.
    let q = query("STUDY", &[(STUDY_UID, VR::UI, "1.2.826.0.1.99.1")]);
    let (rsps, _) = run(
        &mut a,
        qr::STUDY_ROOT_MOVE,
        Operation::Move("DEST".into()),
        &q,
        None,
    )
    .unwrap();
    let last = rsps.last().unwrap();
    assert_eq!(last.status, status::SUCCESS);
    assert_eq!(last.counts.unwrap().completed, 3);
    assert_eq!(rsps.len(), 3, "two pending responses, then the final one");
    assert_eq!(rsps[0].counts.unwrap().remaining, 2);
    assert_eq!(std::fs::read_dir(&dest_dir).unwrap().count(), 3);
    let (rsps, _) = run(
        &mut a,
        qr::STUDY_ROOT_MOVE,
        Operation::Move("NOWHERE".into()),
        &q,
        None,
    )
    .unwrap();
    assert_eq!(
        rsps.last().unwrap().status,
        status::MOVE_DESTINATION_UNKNOWN
    );
    a.release().unwrap();

    // C-GET: storage contexts with the SCP role on the same association.
    let class = insts[0].sop_class.clone();
    let mut cfg = config();
    cfg.roles = vec![RoleSelection {
        sop_class: class.clone(),
        scu: false,
        scp: true,
    }];
    let mut a = request(addr, &cfg, qr_contexts(&[&class])).unwrap();
    let q = query("PATIENT", &[(Tag(0x0010, 0x0020), VR::LO, "P2")]);
    let (rsps, got) = run(
        &mut a,
        qr::PATIENT_ROOT_GET,
        Operation::Get,
        &q,
        Some(get_dir.clone()),
    )
    .unwrap();
    a.release().unwrap();
    let last = rsps.last().unwrap();
    assert_eq!(last.status, status::SUCCESS, "{rsps:?}");
    assert_eq!(last.counts.unwrap().completed, 2);
    assert_eq!(got.received.len(), 2);
    for p in &got.received {
        let f = rs_dicom::parse_file(p).unwrap();
        assert_eq!(
            text_of(&f.dataset, Tag(0x0010, 0x0020)).as_deref(),
            Some("P2")
        );
        assert!(f.dataset.get(Tag(0x7FE0, 0x0010)).is_some());
    }
    // A C-CANCEL after the first pending response: the SCP stops (final status Cancel),
    // having stored fewer than the 5 instances of P1.
    let mut a = request(addr, &cfg, qr_contexts(&[&class])).unwrap();
    let q1 = query("PATIENT", &[(Tag(0x0010, 0x0020), VR::LO, "P1")]);
    let cancel_dir = temp_dir("cancel");
    let mut op = Query::start(
        &mut a,
        qr::PATIENT_ROOT_GET,
        Operation::Get,
        &q1,
        Some(cancel_dir.clone()),
    )
    .unwrap();
    assert_eq!(op.next(&mut a).unwrap().unwrap().status, status::PENDING);
    op.cancel(&mut a).unwrap();
    let mut last = None;
    while let Some(r) = op.next(&mut a).unwrap() {
        last = Some(r);
    }
    let last = last.unwrap();
    assert_eq!(last.status, status::CANCEL, "{last:?}");
    let n = last.counts.unwrap();
    assert!(
        n.completed < 5 && n.completed == op.received.len() as u16,
        "{n:?}"
    );
    // The association goes on.
    let (rsps, _) = run(&mut a, qr::PATIENT_ROOT_FIND, Operation::Find, &q1, None).unwrap();
    assert_eq!(rsps.len(), 2);
    assert_eq!(rsps[1].status, status::SUCCESS);
    a.release().unwrap();
    std::fs::remove_dir_all(cancel_dir).unwrap();

    // Without the role, the sub-operations fail and say which instances.
    let mut a = request(addr, &config(), qr_contexts(&[])).unwrap();
    let (rsps, _) = run(
        &mut a,
        qr::PATIENT_ROOT_GET,
        Operation::Get,
        &q,
        Some(get_dir.clone()),
    )
    .unwrap();
    a.release().unwrap();
    let last = rsps.last().unwrap();
    assert_eq!(last.status, status::SUB_OPS_WARNING);
    assert_eq!(last.counts.unwrap().failed, 2);
    let failed = text_of(last.identifier.as_ref().unwrap(), qr::FAILED_SOP_LIST).unwrap();
    assert_eq!(failed.split('\\').count(), 2);

    pacs.server.stop();
    dest.stop();
    for d in [dir, dest_dir, get_dir] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn index_of_a_directory() {
    let dir = temp_dir("scan");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm"),
        dir.join("a.dcm"),
    )
    .unwrap();
    std::fs::write(dir.join("junk.dcm"), b"not dicom").unwrap();
    let ix = Index::new();
    let (added, bad) = ix.add_dir(&dir);
    assert_eq!(added, 1);
    assert_eq!(bad.len(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Sends a C-FIND-RQ and a C-ECHO-RQ back to back, then reads every answer: the
/// (Command Field, Status) of each, or the error that ended the association.
fn find_then_echo(addr: std::net::SocketAddr, window: Option<(u16, u16)>) -> Vec<(u16, u16)> {
    let mut contexts = qr_contexts(&[]);
    contexts.push(PresentationContextRq {
        id: 201,
        abstract_syntax: rs_dicom_net::VERIFICATION.into(),
        transfer_syntaxes: vec![TransferSyntax::IMPLICIT_VR_LE.uid.to_string()],
    });
    let mut cfg = config();
    cfg.async_ops = window;
    let mut a = request(addr, &cfg, contexts).unwrap();
    let ctx = |a: &rs_dicom_net::assoc::Association, class: &str| {
        let c = a.contexts().iter().find(|c| c.abstract_syntax == class);
        c.unwrap().id
    };
    let find = ctx(&a, qr::STUDY_ROOT_FIND);
    let q = query("STUDY", &[(STUDY_UID, VR::UI, "")]);
    let rq = rs_dicom_net::qr::command::find_rq(1, qr::STUDY_ROOT_FIND);
    qr::send_message(&mut a, find, &rq, Some(&q)).unwrap();
    let echo = ctx(&a, rs_dicom_net::VERIFICATION);
    a.send_command(echo, &rs_dicom_net::dimse::echo_rq(2))
        .unwrap();
    let mut got = Vec::new();
    while got.len() < 5 {
        match a.recv_command() {
            Ok(Some((c, rsp))) => {
                if rsp.has_data_set() {
                    a.recv_data(c, &mut std::io::sink()).unwrap();
                }
                let st = rsp.us(rs_dicom_net::dimse::tags::STATUS).unwrap();
                got.push((rsp.field().unwrap(), st));
            }
            _ => return got,
        }
    }
    a.release().unwrap();
    got
}

#[test]
fn a_request_during_a_find_waits_within_the_window() {
    let dir = temp_dir("window");
    let mut pacs = start_pacs(&dir, HashMap::new());
    let addr = pacs.server.local_addr();
    let insts = instances();
    let contexts = scu::contexts_for([(insts[0].sop_class.as_str(), insts[0].ts)]).unwrap();
    let mut a = request(addr, &config(), contexts).unwrap();
    for i in &insts {
        assert_eq!(scu::store(&mut a, i).unwrap(), 0);
    }
    a.release().unwrap();
    // Within a window of 4 the C-ECHO waits for the C-FIND: 3 matches, its end, the echo.
    let find_rsp = 0x8020;
    let want = vec![
        (find_rsp, status::PENDING),
        (find_rsp, status::PENDING),
        (find_rsp, status::PENDING),
        (find_rsp, status::SUCCESS),
        (0x8030, 0),
    ];
    for _ in 0..3 {
        assert_eq!(find_then_echo(addr, Some((4, 1))), want);
    }
    // Without a window it is a protocol error when it arrived during the C-FIND. The SCU's
    // two sends are microseconds apart, but on a loaded machine the SCP may finish the
    // three matches first (it did in a third of the tries), so try until one arrives in time.
    let aborted = (0..40).any(|_| find_then_echo(addr, None).len() < want.len());
    assert!(aborted);
    pacs.server.stop();
    std::fs::remove_dir_all(dir).unwrap();
}
