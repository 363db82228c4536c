//! The asynchronous operations window (PS3.7 D.3.3.3) on 127.0.0.1: what each side
//! negotiates, many files stored with up to 8 C-STORE-RQs outstanding (every file arrives
//! byte-equal), responses matched out of order, an abort naming what was not confirmed, and a
//! peer exceeding the window aborted by our SCP.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use rs_dicom::core::{Tag, VR};
use rs_dicom::writer::{FileParts, WriteOptions, write_file};
use rs_dicom_net::assoc::{AcceptConfig, Accepted, Association, RequestConfig, accept, request};
use rs_dicom_net::dimse::{self, field};
use rs_dicom_net::pipeline::Pipeline;
use rs_dicom_net::scp::{Server, ServerConfig, StoreHandler, Stored};
use rs_dicom_net::scu::{self, Instance};
use rs_dicom_net::send::{Item, send_all};

fn sample() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample_ct.dcm"
    ))
}

fn temp_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("TMPDIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    let d = base.join(format!("rs_dicom_net_async_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config(async_ops: Option<(u16, u16)>) -> RequestConfig {
    RequestConfig {
        artim: Duration::from_secs(10),
        dimse_timeout: Some(Duration::from_secs(20)),
        async_ops,
        ..Default::default()
    }
}

/// `n` copies of the sample with their own SOP Instance UIDs and sizes, as Part 10 files.
fn make_files(dir: &Path, n: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let f = rs_dicom::parse_file(sample()).unwrap();
    (0..n)
        .map(|i| {
            let uid = format!("1.2.826.0.1.3680043.10.1137.{}.{i}", 7 + i % 3);
            let mut uid_bytes = uid.clone().into_bytes();
            if uid_bytes.len() % 2 == 1 {
                uid_bytes.push(0);
            }
            let mut ds = f.dataset.clone();
            let mut meta = f.meta.clone();
            ds.set_bytes(Tag(0x0008, 0x0018), VR::UI, uid_bytes.clone());
            meta.set_bytes(Tag(0x0002, 0x0003), VR::UI, uid_bytes);
            let name = "X".repeat(2 * (i % 29));
            ds.set_bytes(Tag(0x0008, 0x0080), VR::LO, name.into_bytes());
            let path = dir.join(format!("{i}.dcm"));
            let parts = FileParts {
                preamble: Some(&[0u8; 128]),
                meta: Some(&meta),
                dataset: &ds,
            };
            let out = std::fs::File::create(&path).unwrap();
            write_file(out, parts, &WriteOptions::new(f.transfer_syntax)).unwrap();
            path
        })
        .collect()
}

fn data_set_bytes(path: &Path) -> Vec<u8> {
    let f = rs_dicom::parse_file(path).unwrap();
    f.dataset.source().bytes()[f.dataset.offset()..].to_vec()
}

fn storage_server(dir: &Path, max_async_ops: u16) -> Server {
    let mut cfg = ServerConfig::storage(dir);
    cfg.accept.max_async_ops = max_async_ops;
    Server::start("127.0.0.1:0", cfg, None).unwrap()
}

fn echo_contexts() -> Vec<rs_dicom_net::pdu::PresentationContextRq> {
    scu::contexts_for([]).unwrap()
}

#[test]
fn negotiation_proposed_accepted_omitted_and_unlimited() {
    let dir = temp_dir("negotiate");
    // (server's max_async_ops, proposal) -> (answer sent, window in force)
    type Window = Option<(u16, u16)>;
    let cases: [(u16, Window, Window, (u16, u16)); 7] = [
        (16, Some((8, 1)), Some((8, 1)), (8, 1)),
        (16, Some((32, 5)), Some((16, 1)), (16, 1)),
        (16, None, None, (1, 1)),
        (1, Some((8, 8)), None, (1, 1)),
        (16, Some((0, 0)), Some((16, 1)), (16, 1)),
        (0, Some((0, 0)), Some((0, 1)), (0, 1)),
        (0, Some((4, 1)), Some((4, 1)), (4, 1)),
    ];
    for (supported, proposed, answer, window) in cases {
        let server = storage_server(&dir.join("in"), supported);
        let mut assoc = request(server.local_addr(), &config(proposed), echo_contexts()).unwrap();
        assert_eq!(
            assoc.peer_user.async_ops, answer,
            "{supported} {proposed:?}"
        );
        assert_eq!(assoc.async_ops(), window, "{supported} {proposed:?}");
        assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
        assoc.release().unwrap();
        drop(server);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn many_files_with_window_8_arrive_byte_equal() {
    let dir = temp_dir("many");
    let files = make_files(&dir.join("src"), 150);
    let mut server = storage_server(&dir.join("in"), 16);
    // Through the pipeline directly: the window is really used.
    let mut assoc = request(
        server.local_addr(),
        &config(Some((8, 1))),
        rs_dicom_net::scu::contexts_for([(
            "1.2.840.10008.5.1.4.1.1.2",
            rs_dicom::TransferSyntax::EXPLICIT_VR_LE,
        )])
        .unwrap(),
    )
    .unwrap();
    assert_eq!(assoc.async_ops(), (8, 1));
    let mut pipeline = Pipeline::new(&assoc);
    let mut statuses = vec![None; 100];
    let mut widest = 0;
    let mut record = |k: usize, st: u16| {
        assert!(statuses[k].is_none(), "two responses for {k}");
        statuses[k] = Some(st);
    };
    for (k, path) in files[..100].iter().enumerate() {
        let inst = Instance::from_file(path).unwrap();
        pipeline.submit(&mut assoc, &inst, k, &mut record).unwrap();
        widest = widest.max(pipeline.in_flight());
        assert!(pipeline.in_flight() <= 8);
    }
    pipeline.finish(&mut assoc, &mut record).unwrap();
    assoc.release().unwrap();
    assert!(statuses.iter().all(|s| *s == Some(0)), "{statuses:?}");
    assert!(widest > 1, "never more than one request outstanding");
    // And through send_all, two associations.
    let items = files[100..].iter().cloned().map(Item::Path).collect();
    let outcomes = send_all(
        items,
        server.local_addr(),
        &config(Some((8, 1))),
        2,
        &|_, _| {},
    )
    .unwrap();
    assert!(outcomes.iter().all(|o| o.status == Some(0)), "{outcomes:?}");
    server.stop();
    assert_eq!(server.stats().stored.load(Ordering::Relaxed), 150);
    assert_eq!(server.stats().errors.load(Ordering::Relaxed), 0);
    for path in &files {
        let sent = rs_dicom::parse_file(path).unwrap();
        let uid = sent.meta.raw(Tag(0x0002, 0x0003)).unwrap().to_vec();
        let uid = String::from_utf8(uid).unwrap();
        let got = dir
            .join("in")
            .join(format!("{}.dcm", uid.trim_end_matches('\0')));
        assert_eq!(
            data_set_bytes(&got),
            data_set_bytes(path),
            "{}",
            path.display()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fake SCP granting a window of 8: reads `take` C-STORE-RQs with their data sets, then
/// runs `answer` (it sends responses in its own order, or aborts).
fn fake_scp(
    take: usize,
    answer: impl FnOnce(&mut Association, Vec<(u8, dimse::Command)>) + Send + 'static,
) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let cfg = AcceptConfig {
            abstract_syntaxes: Arc::new(|_| true),
            max_async_ops: 8,
            ..AcceptConfig::default()
        };
        let Ok(Accepted::Association(mut assoc)) = accept(stream, &cfg) else {
            panic!("not accepted");
        };
        let mut rqs = Vec::new();
        for _ in 0..take {
            let (ctx, rq) = assoc.recv_command().unwrap().unwrap();
            assert_eq!(rq.field(), Some(field::C_STORE_RQ));
            assoc.recv_data(ctx, &mut std::io::sink()).unwrap();
            rqs.push((ctx, rq));
        }
        answer(&mut assoc, rqs);
        // Until the requestor releases or the connection ends.
        while let Ok(Some(_)) = assoc.recv_command() {}
    });
    (addr, t)
}

#[test]
fn responses_out_of_order_are_matched_by_message_id() {
    let dir = temp_dir("order");
    let files = make_files(&dir, 5);
    let (addr, t) = fake_scp(5, |assoc, rqs| {
        // Last first, each with its own status: 0xB000 + its position.
        for (i, (ctx, rq)) in rqs.iter().enumerate().rev() {
            let st = 0xB000 + i as u16;
            assoc
                .send_command(*ctx, &dimse::response(rq, st, None))
                .unwrap();
        }
    });
    let items = files.iter().cloned().map(Item::Path).collect();
    let outcomes = send_all(items, addr, &config(Some((8, 1))), 1, &|_, _| {}).unwrap();
    let got: Vec<Option<u16>> = outcomes.iter().map(|o| o.status).collect();
    let want: Vec<Option<u16>> = (0..5).map(|i| Some(0xB000 + i)).collect();
    assert_eq!(got, want);
    t.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn abort_reports_what_was_not_confirmed() {
    let dir = temp_dir("abort");
    let files = make_files(&dir, 12);
    let (addr, t) = fake_scp(8, |assoc, rqs| {
        // The second request is answered, then the association is aborted.
        let (ctx, rq) = &rqs[1];
        assoc
            .send_command(*ctx, &dimse::response(rq, 0, None))
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assoc.abort_in_place();
    });
    let items = files.iter().cloned().map(Item::Path).collect();
    let outcomes = send_all(items, addr, &config(Some((8, 1))), 1, &|_, _| {}).unwrap();
    t.join().unwrap();
    assert_eq!(outcomes[1].status, Some(0), "{outcomes:?}");
    for (i, o) in outcomes.iter().enumerate() {
        if i == 1 {
            continue;
        }
        assert_eq!(o.status, None, "{i}: {o:?}");
        let why = o.error.as_deref().unwrap_or("");
        // 0 to 7 went out before any response; 8 after the response to 1 made room.
        if i <= 8 {
            assert!(why.starts_with("not confirmed"), "{i}: {why}");
        } else {
            assert!(why.starts_with("not sent"), "{i}: {why}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Holds the first stored instance back, so that the requests sent after it are waiting
/// when the SCP looks.
struct SlowFirst(std::sync::atomic::AtomicBool);

impl StoreHandler for SlowFirst {
    fn stored(&self, _: &Stored) -> u16 {
        if !self.0.swap(true, Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(800));
        }
        0
    }
}

#[test]
fn a_peer_exceeding_the_window_is_aborted() {
    let dir = temp_dir("exceed");
    let files = make_files(&dir.join("src"), 3);
    let mut cfg = ServerConfig::storage(dir.join("in"));
    cfg.accept.max_async_ops = 2;
    let handler = Arc::new(SlowFirst(Default::default()));
    let mut server = Server::start("127.0.0.1:0", cfg, Some(handler)).unwrap();
    let contexts = scu::contexts_for([(
        "1.2.840.10008.5.1.4.1.1.2",
        rs_dicom::TransferSyntax::EXPLICIT_VR_LE,
    )])
    .unwrap();
    let mut assoc = request(server.local_addr(), &config(Some((8, 1))), contexts).unwrap();
    assert_eq!(assoc.async_ops(), (2, 1));
    // Three requests without reading a response: one more than the window.
    for f in &files {
        scu::start_store(&mut assoc, &Instance::from_file(f).unwrap()).unwrap();
    }
    let err = loop {
        match assoc.recv_command() {
            Ok(Some((_, c))) => assert_eq!(c.field(), Some(field::C_STORE_RSP)),
            Ok(None) => panic!("released"),
            Err(e) => break e,
        }
    };
    assert!(err.message.contains("aborted"), "{err}");
    server.stop();
    assert_eq!(server.stats().errors.load(Ordering::Relaxed), 1);
    // Within the window, the same slow SCP answers everything.
    let mut cfg = ServerConfig::storage(dir.join("in2"));
    cfg.accept.max_async_ops = 2;
    let handler = Arc::new(SlowFirst(Default::default()));
    let mut server = Server::start("127.0.0.1:0", cfg, Some(handler)).unwrap();
    let items = files.iter().cloned().map(Item::Path).collect();
    let outcomes = send_all(
        items,
        server.local_addr(),
        &config(Some((8, 1))),
        1,
        &|_, _| {},
    )
    .unwrap();
    assert!(outcomes.iter().all(|o| o.status == Some(0)), "{outcomes:?}");
    server.stop();
    assert_eq!(server.stats().errors.load(Ordering::Relaxed), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
