//! The Modality Worklist SCP: matching on the worklist keys of PS3.4 K.6.1.2 (station AE
//! title, start date and time ranges, modality, performing physician, patient keys), return
//! keys filled or empty, one answer per Scheduled Procedure Step; then our SCU against the
//! SCP on 127.0.0.1 over a folder that changes between queries, with C-CANCEL.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rs_dicom::core::{Element, Tag, VR};
use rs_dicom::writer::{FileParts, WriteOptions, write_file};
use rs_dicom::{Dataset, TransferSyntax};
use rs_dicom_net::assoc::{RequestConfig, request};
use rs_dicom_net::pdu::PresentationContextRq;
use rs_dicom_net::qr::command::status;
use rs_dicom_net::qr::scu::{Operation, Query, run};
use rs_dicom_net::qr::worklist::{SPS_SEQUENCE, WorklistService, find, server_config, with_steps};
use rs_dicom_net::qr::{WORKLIST_FIND, set_text, text_of};
use rs_dicom_net::scp::Server;

const NAME: Tag = Tag(0x0010, 0x0010);
const PID: Tag = Tag(0x0010, 0x0020);
const ACCESSION: Tag = Tag(0x0008, 0x0050);
const STATION: Tag = Tag(0x0040, 0x0001);
const DATE: Tag = Tag(0x0040, 0x0002);
const TIME: Tag = Tag(0x0040, 0x0003);
const MODALITY: Tag = Tag(0x0008, 0x0060);
const PHYSICIAN: Tag = Tag(0x0040, 0x0006);
const DESCRIPTION: Tag = Tag(0x0040, 0x0007);
const STEP_ID: Tag = Tag(0x0040, 0x0009);

fn ds(pairs: &[(Tag, VR, &str)]) -> Dataset {
    let mut d = Dataset::new();
    for (t, vr, v) in pairs {
        set_text(&mut d, *t, *vr, v);
    }
    d
}

fn step(station: &str, date: &str, time: &str, modality: &str, physician: &str) -> Dataset {
    ds(&[
        (STATION, VR::AE, station),
        (DATE, VR::DA, date),
        (TIME, VR::TM, time),
        (MODALITY, VR::CS, modality),
        (PHYSICIAN, VR::PN, physician),
        (DESCRIPTION, VR::LO, "exam"),
        (STEP_ID, VR::SH, &format!("{station}-{date}")),
    ])
}

/// Four patients; W3 has two steps; W4 has no accession number.
fn worklist() -> Vec<Dataset> {
    let patient = |name: &str, id: &str| {
        let mut d = ds(&[(NAME, VR::PN, name), (PID, VR::LO, id)]);
        if id != "W4" {
            set_text(&mut d, ACCESSION, VR::SH, &format!("A-{id}"));
        }
        d
    };
    vec![
        with_steps(
            patient("DOE^ANNA", "W1"),
            vec![step("CT1", "20240105", "0900", "CT", "SMITH^J")],
        ),
        with_steps(
            patient("ROE^BEN", "W2"),
            vec![step("MR1", "20240106", "143000", "MR", "JONES^K")],
        ),
        with_steps(
            patient("POE^CARL", "W3"),
            vec![
                step("CT1", "20240107", "080000", "CT", "SMITH^J"),
                step("MR1", "20240108", "160000", "MR", ""),
            ],
        ),
        with_steps(
            patient("LOE^DORA", "W4"),
            vec![step("US1", "20240108", "101500", "US", "SMITH^A")],
        ),
    ]
}

/// A query: patient keys at the top, the step keys in the one item of the sequence.
fn query(top: &[(Tag, VR, &str)], in_step: &[(Tag, VR, &str)]) -> Dataset {
    with_steps(ds(top), vec![ds(in_step)])
}

/// `(patient ID, station, date)` of each answer.
fn answers(q: &Dataset) -> Vec<(String, String, String)> {
    let items: Vec<Arc<Dataset>> = worklist().into_iter().map(Arc::new).collect();
    find(&items, q)
        .into_iter()
        .map(|(a, st)| {
            assert_eq!(st, status::PENDING);
            let seq = a.get(SPS_SEQUENCE).and_then(Element::items).unwrap();
            assert_eq!(seq.len(), 1, "one step per answer");
            let s = seq[0].read();
            let t = |d: &Dataset, tag| text_of(d, tag).unwrap_or_default();
            (t(&a, PID), t(&s, STATION), t(&s, DATE))
        })
        .collect()
}

fn ids(q: &Dataset) -> Vec<String> {
    answers(q)
        .into_iter()
        .map(|(p, s, _)| format!("{p}/{s}"))
        .collect()
}

const ALL_STEP_KEYS: [(Tag, VR, &str); 4] = [
    (STATION, VR::AE, ""),
    (DATE, VR::DA, ""),
    (TIME, VR::TM, ""),
    (MODALITY, VR::CS, ""),
];

fn with(tag: Tag, vr: VR, v: &'static str) -> Vec<(Tag, VR, &'static str)> {
    let mut keys: Vec<_> = ALL_STEP_KEYS
        .iter()
        .filter(|k| k.0 != tag)
        .copied()
        .collect();
    keys.push((tag, vr, v));
    keys
}

#[test]
fn matching_on_worklist_keys() {
    let top = [(PID, VR::LO, "")];
    let q = |tag, vr, v| ids(&query(&top, &with(tag, vr, v)));
    assert_eq!(q(STATION, VR::AE, "CT1"), ["W1/CT1", "W3/CT1"]);
    assert_eq!(q(MODALITY, VR::CS, "MR"), ["W2/MR1", "W3/MR1"]);
    assert_eq!(q(DATE, VR::DA, "20240106-20240107"), ["W2/MR1", "W3/CT1"]);
    assert_eq!(q(DATE, VR::DA, "20240108"), ["W3/MR1", "W4/US1"]);
    assert_eq!(q(DATE, VR::DA, "-20240105"), ["W1/CT1"]);
    assert_eq!(q(TIME, VR::TM, "1200-"), ["W2/MR1", "W3/MR1"]);
    assert_eq!(q(TIME, VR::TM, "0900-1015"), ["W1/CT1", "W4/US1"]);
    assert_eq!(
        q(PHYSICIAN, VR::PN, "SMITH^*"),
        ["W1/CT1", "W3/CT1", "W4/US1"]
    );
    assert_eq!(q(PHYSICIAN, VR::PN, "SMITH^J"), ["W1/CT1", "W3/CT1"]);
    assert!(q(MODALITY, VR::CS, "NM").is_empty());
    // Universal matching: every step of every item.
    assert_eq!(q(STATION, VR::AE, "").len(), 5);
    let empty_seq = {
        let mut d = ds(&top);
        d.insert(Element::sequence(SPS_SEQUENCE, Vec::new()));
        d
    };
    assert_eq!(ids(&empty_seq).len(), 5);
    // Patient keys, alone and with step keys (all must match).
    let q2 = |name: &'static str, modality: &'static str| {
        ids(&query(
            &[(NAME, VR::PN, name), (PID, VR::LO, "")],
            &with(MODALITY, VR::CS, modality),
        ))
    };
    assert_eq!(q2("*OE^ANNA", ""), ["W1/CT1"]);
    assert_eq!(q2("POE^CARL", "MR"), ["W3/MR1"]);
    assert!(q2("DOE^ANNA", "MR").is_empty());
    assert!(q2("doe^anna", "").is_empty());
}

#[test]
fn return_keys_filled_or_empty() {
    let items: Vec<Arc<Dataset>> = worklist().into_iter().map(Arc::new).collect();
    let q = query(
        &[
            (PID, VR::LO, "W4"),
            (ACCESSION, VR::SH, ""),
            (NAME, VR::PN, ""),
        ],
        &[(STATION, VR::AE, ""), (Tag(0x0040, 0x0010), VR::SH, "")],
    );
    let got = find(&items, &q);
    assert_eq!(got.len(), 1);
    let (a, _) = &got[0];
    assert_eq!(text_of(a, NAME).as_deref(), Some("LOE^DORA"));
    // Absent in the item: returned, empty (K.6.1.2.2).
    assert_eq!(text_of(a, ACCESSION).as_deref(), Some(""));
    let s = a.get(SPS_SEQUENCE).and_then(Element::items).unwrap()[0].read();
    assert_eq!(text_of(&s, STATION).as_deref(), Some("US1"));
    assert_eq!(text_of(&s, Tag(0x0040, 0x0010)).as_deref(), Some(""));
    // Only the keys asked for.
    assert!(s.get(MODALITY).is_none() && s.get(DESCRIPTION).is_none());
    assert!(a.get(Tag(0x0040, 0x1001)).is_none());
    assert_eq!(a.len(), 4);
    // A private key is not supported: left out of the answers, pending status FF01.
    let mut q = query(&[(PID, VR::LO, "W1")], &[(MODALITY, VR::CS, "")]);
    set_text(&mut q, Tag(0x0009, 0x0010), VR::LO, "X");
    let got = find(&items, &q);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, status::PENDING_WARNING);
    assert!(got[0].0.get(Tag(0x0009, 0x0010)).is_none());
}

fn write_item(path: &Path, item: &Dataset) {
    let mut meta = Dataset::new();
    set_text(&mut meta, Tag(0x0002, 0x0002), VR::UI, WORKLIST_FIND);
    set_text(&mut meta, Tag(0x0002, 0x0003), VR::UI, "1.2.826.0.1.99.7");
    set_text(
        &mut meta,
        Tag(0x0002, 0x0010),
        VR::UI,
        "1.2.840.10008.1.2.1",
    );
    let parts = FileParts {
        preamble: Some(&[]),
        meta: Some(&meta),
        dataset: item,
    };
    let opts = WriteOptions::new(TransferSyntax::EXPLICIT_VR_LE);
    let bytes = write_file(Vec::new(), parts, &opts).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn temp_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("TMPDIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    let d = base.join(format!("rs_dicom_wl_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn folder_reread_when_it_changes() {
    let dir = temp_dir("reread");
    let wl = worklist();
    write_item(&dir.join("a.wl"), &wl[0]);
    write_item(&dir.join("b.wl"), &wl[1]);
    std::fs::write(dir.join("lockfile"), b"").unwrap();
    std::fs::write(dir.join("notes.txt"), b"not DICOM").unwrap();
    // DICOM without a Scheduled Procedure Step Sequence: not a worklist item.
    write_item(&dir.join("c.dcm"), &ds(&[(PID, VR::LO, "X")]));
    let svc = WorklistService::new(&dir, false, None);
    let pids = |svc: &WorklistService| {
        let items = svc.items(&dir);
        let mut p: Vec<String> = items.iter().filter_map(|i| text_of(i, PID)).collect();
        p.sort();
        p
    };
    assert_eq!(pids(&svc), ["W1", "W2"]);
    std::fs::create_dir(dir.join("sub")).unwrap();
    write_item(&dir.join("sub/d.wl"), &wl[3]);
    std::fs::remove_file(dir.join("a.wl")).unwrap();
    assert_eq!(pids(&svc), ["W2", "W4"]);
    // Rewritten in place (another size): read again.
    write_item(&dir.join("b.wl"), &wl[2]);
    assert_eq!(pids(&svc), ["W3", "W4"]);
    // A link back to the folder is not followed (the listing ends); a linked file counts.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
        std::os::unix::fs::symlink(dir.join("b.wl"), dir.join("sub/b-link.wl")).unwrap();
        assert_eq!(pids(&svc), ["W3", "W3", "W4"]);
    }
    // wlmscpfs's layout: one folder per called AE title, nothing outside it, no paths.
    let by_ae = WorklistService::new(&dir, true, None);
    assert_eq!(by_ae.folder("sub"), Some(dir.join("sub")));
    assert_eq!(by_ae.folder("NONE"), None);
    assert_eq!(by_ae.folder(".."), None);
    assert_eq!(by_ae.folder("sub/../sub"), None);
    assert_eq!(by_ae.folder(""), None);
    let _ = std::fs::remove_dir_all(&dir);
}

fn worklist_contexts() -> Vec<PresentationContextRq> {
    let ts = vec![TransferSyntax::EXPLICIT_VR_LE.uid.to_string()];
    [WORKLIST_FIND, rs_dicom_net::qr::STUDY_ROOT_FIND]
        .iter()
        .enumerate()
        .map(|(i, c)| PresentationContextRq {
            id: (2 * i + 1) as u8,
            abstract_syntax: c.to_string(),
            transfer_syntaxes: ts.clone(),
        })
        .collect()
}

#[test]
fn our_scu_against_our_scp() {
    let dir = temp_dir("scp");
    std::fs::create_dir(dir.join("WLAE")).unwrap();
    for (i, item) in worklist().iter().enumerate() {
        write_item(&dir.join(format!("WLAE/{i}.wl")), item);
    }
    let mut server = Server::start("127.0.0.1:0", server_config(&dir, true), None).unwrap();
    let config = |called: &str| RequestConfig {
        called_ae: called.into(),
        artim: Duration::from_secs(5),
        dimse_timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    };
    let addr = server.local_addr();
    let mut a = request(addr, &config("WLAE"), worklist_contexts()).unwrap();
    // Worklist accepted, Q/R not (a worklist SCP only, as wlmscpfs).
    let accepted: Vec<bool> = a.contexts().iter().map(|c| c.accepted()).collect();
    assert_eq!(accepted, [true, false]);
    let q = query(&[(PID, VR::LO, "")], &with(MODALITY, VR::CS, "CT"));
    let (rsps, _) = run(&mut a, WORKLIST_FIND, Operation::Find, &q, None).unwrap();
    let statuses: Vec<u16> = rsps.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [status::PENDING, status::PENDING, status::SUCCESS]
    );
    let mut pids: Vec<String> = rsps[..2]
        .iter()
        .filter_map(|r| text_of(r.identifier.as_ref()?, PID))
        .collect();
    pids.sort();
    assert_eq!(pids, ["W1", "W3"]);
    // Cancel after the first answer: Cancel, or Success if all were sent before it came.
    let q = query(&[(PID, VR::LO, "")], &with(STATION, VR::AE, ""));
    let mut op = Query::start(&mut a, WORKLIST_FIND, Operation::Find, &q, None).unwrap();
    assert_eq!(op.next(&mut a).unwrap().unwrap().status, status::PENDING);
    op.cancel(&mut a).unwrap();
    let mut rest = Vec::new();
    while let Some(r) = op.next(&mut a).unwrap() {
        rest.push(r.status);
    }
    let last = rest.pop();
    assert!(rest.iter().all(|s| *s == status::PENDING) && rest.len() <= 4);
    assert!(last == Some(status::CANCEL) || (last == Some(status::SUCCESS) && rest.len() == 4));
    a.release().unwrap();
    // A called AE title without a folder: the C-FIND fails, the association goes on.
    let mut a = request(addr, &config("NOSUCH"), worklist_contexts()).unwrap();
    let (rsps, _) = run(&mut a, WORKLIST_FIND, Operation::Find, &q, None).unwrap();
    assert_eq!(rsps.len(), 1);
    assert_eq!(rsps[0].status, status::UNABLE_TO_PROCESS);
    let (rsps, _) = run(&mut a, WORKLIST_FIND, Operation::Find, &q, None).unwrap();
    assert_eq!(rsps.len(), 1);
    a.release().unwrap();
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
