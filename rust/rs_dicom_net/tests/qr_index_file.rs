//! The Q/R SCP's SQLite index file: answers equal to an index read from the files, a second
//! start reads no file, changed, removed and added files are picked up, and a damaged index
//! file is rebuilt with a warning.
#![cfg(feature = "sqlite-index")]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rs_dicom::core::{Tag, VR};
use rs_dicom::writer::{FileParts, WriteOptions, write_file};
use rs_dicom::{Dataset, TransferSyntax};
use rs_dicom_net::qr::index::Index;
use rs_dicom_net::qr::store::DEFAULT_NAME;
use rs_dicom_net::qr::{self, Level, Model, encode_bare, set_text};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rs_dicom_qrix_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes the sample CT as patient `p`, study `st`, series `se`, instance `i` to `path`.
fn write(path: &Path, p: &str, st: u32, se: u32, i: u32, modality: &str) {
    let date = format!("2021010{st}");
    let (st, se) = (st.to_string(), se.to_string());
    let mut s = common::sample_ct("1.2.826.0.1.77", p, &st, &se, i, &date);
    set_text(&mut s.dataset, Tag(0x0008, 0x0060), VR::CS, modality);
    let parts = FileParts {
        preamble: Some(&[0u8; 128]),
        meta: Some(&s.meta),
        dataset: &s.dataset,
    };
    let out = std::fs::File::create(path).unwrap();
    write_file(out, parts, &WriteOptions::new(s.ts)).unwrap();
}

fn populate(dir: &Path) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for i in 0..4 {
        write(&dir.join(format!("a{i}.dcm")), "P1", 1, 1, i, "CT");
    }
    write(&dir.join("sub/b0.dcm"), "P1", 2, 1, 0, "MR");
    write(&dir.join("sub/b1.dcm"), "P2", 3, 1, 0, "SR");
    std::fs::write(dir.join("notes.txt"), b"not DICOM").unwrap();
}

fn queries() -> Vec<(Model, Level, Dataset)> {
    let keys = |level: &str, extra: &[(Tag, VR, &str)]| {
        let mut q = Dataset::new();
        set_text(&mut q, qr::QUERY_RETRIEVE_LEVEL, VR::CS, level);
        for (t, vr, v) in [
            (Tag(0x0010, 0x0010), VR::PN, ""),
            (Tag(0x0010, 0x0020), VR::LO, ""),
            (Tag(0x0020, 0x000D), VR::UI, ""),
            (Tag(0x0008, 0x0020), VR::DA, ""),
            (Tag(0x0008, 0x0061), VR::CS, ""),
            (Tag(0x0020, 0x1208), VR::IS, ""),
        ] {
            set_text(&mut q, t, vr, v);
        }
        for (t, vr, v) in extra {
            set_text(&mut q, *t, *vr, v);
        }
        q
    };
    vec![
        (Model::PatientRoot, Level::Patient, keys("PATIENT", &[])),
        (Model::StudyRoot, Level::Study, keys("STUDY", &[])),
        (
            Model::StudyRoot,
            Level::Study,
            keys("STUDY", &[(Tag(0x0008, 0x0020), VR::DA, "20210102-")]),
        ),
        (
            Model::StudyRoot,
            Level::Series,
            keys("SERIES", &[(Tag(0x0008, 0x0060), VR::CS, "CT")]),
        ),
        (
            Model::PatientRoot,
            Level::Image,
            keys("IMAGE", &[(Tag(0x0010, 0x0010), VR::PN, "DOE^P*")]),
        ),
    ]
}

/// Every query's responses, encoded, and what each retrieves: equal iff the indexes answer
/// alike.
fn answers(ix: &Index) -> Vec<(Vec<Vec<u8>>, Vec<String>)> {
    let explicit = TransferSyntax::EXPLICIT_VR_LE.uid;
    queries()
        .iter()
        .map(|(m, l, q)| {
            let found = ix.find(*m, *l, q, "AE");
            let found = found.iter().map(|d| encode_bare(d, explicit).unwrap());
            let mut got: Vec<String> = ix
                .retrieve(*m, *l, q)
                .iter()
                .map(|r| {
                    format!(
                        "{}|{}|{}",
                        r.path.display(),
                        r.sop_instance,
                        r.transfer_syntax
                    )
                })
                .collect();
            got.sort();
            (found.collect(), got)
        })
        .collect()
}

fn from_files(dir: &Path) -> Vec<(Vec<Vec<u8>>, Vec<String>)> {
    let ix = Index::new();
    ix.add_dir(dir);
    answers(&ix)
}

#[test]
fn reused_updated_and_rebuilt() {
    let dir = temp_dir("main");
    populate(&dir);
    let file = dir.join(DEFAULT_NAME);
    let expected = from_files(&dir);
    assert_eq!(expected[1].0.len(), 3, "three studies");

    let (ix, r) = Index::open_file(&dir, &file);
    assert_eq!((r.reused, r.read, r.removed), (0, 7, 0));
    assert_eq!(r.bad.len(), 1, "{:?}", r.bad);
    assert!(r.warning.is_none(), "{:?}", r.warning);
    assert_eq!(ix.len(), 6);
    assert_eq!(answers(&ix), expected);
    drop(ix);

    // A second start reads only the file that is not DICOM (it has no row).
    let (ix, r) = Index::open_file(&dir, &file);
    assert_eq!((r.reused, r.read, r.removed), (6, 1, 0));
    assert_eq!(answers(&ix), expected);
    // An instance received by C-STORE is added to the file at once.
    write(&dir.join("sub/c0.dcm"), "P3", 4, 1, 0, "CT");
    ix.add_file(&dir.join("sub/c0.dcm")).unwrap();
    drop(ix);

    // Changed (same size, later time), removed and added files.
    let changed = dir.join("a1.dcm");
    write(&changed, "P9", 1, 1, 1, "CT");
    let later = SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&changed)
        .unwrap()
        .set_modified(later)
        .unwrap();
    std::fs::remove_file(dir.join("a2.dcm")).unwrap();
    write(&dir.join("sub/d0.dcm"), "P4", 5, 1, 0, "MR");
    let (ix, r) = Index::open_file(&dir, &file);
    // Reused: a0, a3, b0, b1, c0; read: a1, d0, notes.txt; removed: a2.
    assert_eq!((r.reused, r.read, r.removed), (5, 3, 1));
    assert_eq!(ix.len(), 7);
    let expected = from_files(&dir);
    assert_eq!(answers(&ix), expected);
    drop(ix);

    // A damaged file (not SQLite at all) is replaced, with a warning.
    std::fs::write(&file, vec![0x5Au8; 8192]).unwrap();
    let (ix, r) = Index::open_file(&dir, &file);
    let warning = r.warning.unwrap_or_default();
    assert!(warning.contains("rebuilt"), "{warning}");
    assert_eq!((r.reused, r.read), (0, 8));
    assert_eq!(answers(&ix), expected);
    drop(ix);
    let (_, r) = Index::open_file(&dir, &file);
    assert_eq!((r.reused, r.read, r.warning), (7, 1, None));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn truncated_and_unwritable_index_files() {
    let dir = temp_dir("trunc");
    populate(&dir);
    let file = dir.join(DEFAULT_NAME);
    drop(Index::open_file(&dir, &file));
    // Checkpointed into the main file on close; cut it in half.
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 4096, "{}", bytes.len());
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let (ix, r) = Index::open_file(&dir, &file);
    assert_eq!(ix.len(), 6);
    assert_eq!(answers(&ix), from_files(&dir));
    // SQLite finds the damage when it reads the rows: a new file is made.
    assert_eq!((r.reused, r.read), (0, 7), "{r:?}");
    assert!(r.warning.unwrap_or_default().contains("malformed; rebuilt"));
    drop(ix);
    // An index file in the directory without a leading dot is not taken for an instance.
    let visible = dir.join("sub").join("index.sqlite");
    drop(Index::open_file(&dir, &visible));
    let (ix, r) = Index::open_file(&dir, &visible);
    assert_eq!((r.reused, r.read, r.bad.len()), (6, 1, 1), "{r:?}");
    assert!(visible.is_file());
    drop(ix);
    // An index file that cannot be created: the files are served from memory.
    let missing = dir.join("no/such/dir/index.sqlite");
    let (ix, r) = Index::open_file(&dir, &missing);
    assert!(r.warning.unwrap_or_default().contains("not used"));
    assert_eq!(answers(&ix), from_files(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
}
