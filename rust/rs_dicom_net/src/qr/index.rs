//! An in-memory index of stored instances (patient / study / series / instance), answering
//! C-FIND at any level and listing the instances a C-MOVE or C-GET retrieves.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rs_dicom::core::{Tag, VR};
use rs_dicom::parser::parse_file_with;
use rs_dicom::{Dataset, ReadOptions};

use super::matching::dataset_matches;
use super::{
    Level, Model, QUERY_RETRIEVE_LEVEL, RETRIEVE_AE_TITLE, SPECIFIC_CHARACTER_SET, parse_bare,
    set_text, text_of,
};
use crate::error::{NetResult, net_error};

/// The encoding of the headers the index keeps.
const EXPLICIT: &str = rs_dicom::TransferSyntax::EXPLICIT_VR_LE.uid;

/// One stored instance: where its file is, and its header (everything before the pixel data,
/// owned, explicit VR little endian).
#[derive(Debug)]
pub struct Record {
    /// The file.
    pub path: PathBuf,
    /// SOP Class UID.
    pub sop_class: String,
    /// SOP Instance UID.
    pub sop_instance: String,
    /// The file's transfer syntax.
    pub transfer_syntax: String,
    /// The header, matched against queries.
    pub header: Dataset,
}

impl Record {
    /// Reads a Part 10 file's header.
    pub fn read(path: &Path) -> NetResult<Record> {
        Ok(Record::read_encoded(path)?.0)
    }

    /// Reads a Part 10 file's header; also returns the header's bare explicit VR little
    /// endian encoding (what the index file keeps).
    pub fn read_encoded(path: &Path) -> NetResult<(Record, Vec<u8>)> {
        let (bytes, ts) = encoded_header(path)?;
        Ok((
            Record::from_encoded(path, &bytes, ts.uid.to_string())?,
            bytes,
        ))
    }

    /// A record from a header encoded by [`Record::read_encoded`].
    pub fn from_encoded(path: &Path, header: &[u8], transfer_syntax: String) -> NetResult<Record> {
        let header = parse_bare(header, EXPLICIT)?;
        let uid = |t: Tag| text_of(&header, t).filter(|s| !s.is_empty());
        let sop_class = uid(Tag(0x0008, 0x0016))
            .ok_or_else(|| net_error(format!("{}: no SOP Class UID", path.display())))?;
        let sop_instance = uid(Tag(0x0008, 0x0018))
            .ok_or_else(|| net_error(format!("{}: no SOP Instance UID", path.display())))?;
        Ok(Record {
            path: path.to_path_buf(),
            sop_class,
            sop_instance,
            transfer_syntax,
            header,
        })
    }

    fn key(&self, level: Level) -> String {
        text_of(&self.header, level.unique_key()).unwrap_or_default()
    }
}

/// A Part 10 file's header (everything before the pixel data, file meta left out) as an
/// owned copy in explicit VR little endian, and the file's transfer syntax.
pub fn read_header(path: &Path) -> NetResult<(Dataset, &'static rs_dicom::TransferSyntax)> {
    let (bytes, ts) = encoded_header(path)?;
    Ok((parse_bare(&bytes, EXPLICIT)?, ts))
}

/// A Part 10 file's header without file meta and pixel data, as bare explicit VR little endian
/// bytes: an owned copy, since an index must not keep every file mapped.
fn encoded_header(path: &Path) -> NetResult<(Vec<u8>, &'static rs_dicom::TransferSyntax)> {
    let opts = ReadOptions {
        stop_before_pixels: true,
        ..Default::default()
    };
    let file = parse_file_with(path, opts)?;
    let kept = file.dataset.filtered(|t| t.0 < 0x7FE0 && t.0 != 0x0002);
    Ok((super::encode_bare(&kept, EXPLICIT)?, file.transfer_syntax))
}

#[derive(Default)]
struct Inner {
    records: Vec<Arc<Record>>,
    by_uid: HashMap<String, usize>,
}

/// Where an index keeps its records across starts (the SQLite file of `qr::store`).
pub trait Keeper: Send + Sync {
    /// Records a file just indexed, with its header's bare explicit VR little endian bytes.
    fn put(&self, path: &Path, record: &Record, header: &[u8]) -> NetResult<()>;
}

/// The index; shared by the SCP's association threads.
#[derive(Default)]
pub struct Index {
    inner: RwLock<Inner>,
    /// What keeps the index across starts, when there is one.
    pub(super) keeper: Option<Box<dyn Keeper>>,
}

/// Entities that matched a query: the records under each, and the one that matched.
struct Group {
    records: Vec<Arc<Record>>,
    matched: Arc<Record>,
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    /// Adds (or replaces, by SOP Instance UID) a record.
    pub fn insert(&self, record: Record) {
        let Ok(mut inner) = self.inner.write() else {
            return;
        };
        let record = Arc::new(record);
        match inner.by_uid.get(&record.sop_instance).copied() {
            Some(i) => inner.records[i] = record,
            None => {
                let i = inner.records.len();
                inner.by_uid.insert(record.sop_instance.clone(), i);
                inner.records.push(record);
            }
        }
    }

    /// Adds a file (and records it in the index file, if there is one).
    pub fn add_file(&self, path: &Path) -> NetResult<()> {
        if let Some(keeper) = &self.keeper {
            let (record, bytes) = Record::read_encoded(path)?;
            // The index file is a cache checked against each file's size and time at the
            // next start: a failed write costs a re-read then, not this instance.
            let _ = keeper.put(path, &record, &bytes);
            self.insert(record);
            return Ok(());
        }
        self.insert(Record::read(path)?);
        Ok(())
    }

    /// Adds every DICOM file under `dir` (recursively); returns the number added and the
    /// files that could not be read, with why.
    pub fn add_dir(&self, dir: &Path) -> (usize, Vec<(PathBuf, String)>) {
        let (files, mut bad) = files_under(dir);
        let mut added = 0;
        for p in files {
            match self.add_file(&p) {
                Ok(()) => added += 1,
                Err(e) => bad.push((p, e.to_string())),
            }
        }
        (added, bad)
    }

    /// The number of instances.
    pub fn len(&self) -> usize {
        self.inner.read().map_or(0, |i| i.records.len())
    }

    /// The index is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn groups(&self, model: Model, level: Level, query: &Dataset) -> Vec<Group> {
        let Ok(inner) = self.inner.read() else {
            return Vec::new();
        };
        let top = if model == Model::StudyRoot {
            Level::Study
        } else {
            Level::Patient
        };
        let path = |r: &Record| {
            Level::ALL
                .iter()
                .filter(|l| **l >= top && **l <= level)
                .map(|l| r.key(*l))
                .collect::<Vec<_>>()
                .join("\\")
        };
        let mut order: Vec<String> = Vec::new();
        let mut by_key: HashMap<String, Vec<Arc<Record>>> = HashMap::new();
        for r in &inner.records {
            let k = path(r);
            by_key
                .entry(k.clone())
                .or_insert_with(|| {
                    order.push(k);
                    Vec::new()
                })
                .push(r.clone());
        }
        let modalities = query
            .get(Tag(0x0008, 0x0061))
            .map(|e| rs_dicom::value::text_values(query, e))
            .unwrap_or_default()
            .into_iter()
            .filter(|v| !v.trim().is_empty())
            .collect::<Vec<_>>();
        let mut out = Vec::new();
        for k in order {
            let Some(records) = by_key.remove(&k) else {
                continue;
            };
            if !modalities.is_empty() {
                let present = modalities_of(&records);
                let any = modalities.iter().any(|m| {
                    present
                        .iter()
                        .any(|p| super::matching::value_matches(VR::CS, m.trim(), p))
                });
                if !any {
                    continue;
                }
            }
            if let Some(m) = records.iter().find(|r| dataset_matches(query, &r.header)) {
                let matched = m.clone();
                out.push(Group { records, matched });
            }
        }
        out
    }

    /// C-FIND: one response identifier per matching entity at `level`, holding the keys of
    /// `query` (values from the index, computed attributes counted).
    pub fn find(&self, model: Model, level: Level, query: &Dataset, ae: &str) -> Vec<Dataset> {
        self.groups(model, level, query)
            .into_iter()
            .map(|g| response(query, level, &g, ae))
            .collect()
    }

    /// C-MOVE / C-GET: every instance under the entities that match `query` at `level`.
    pub fn retrieve(&self, model: Model, level: Level, query: &Dataset) -> Vec<Arc<Record>> {
        self.groups(model, level, query)
            .into_iter()
            .flat_map(|g| g.records)
            .collect()
    }
}

/// The files under `dir` that may be DICOM (recursively, in a stable order; hidden files,
/// such as the index file, and DICOMDIRs left out), and the directories that could not be
/// listed.
pub fn files_under(dir: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut stack = vec![dir.to_path_buf()];
    let (mut files, mut bad) = (Vec::new(), Vec::new());
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            bad.push((d, "cannot list the directory".to_string()));
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() {
                stack.push(p);
            } else if !name.starts_with('.') && name != "DICOMDIR" {
                files.push(p);
            }
        }
    }
    (files, bad)
}

fn modalities_of(records: &[Arc<Record>]) -> BTreeSet<String> {
    records
        .iter()
        .filter_map(|r| text_of(&r.header, Tag(0x0008, 0x0060)))
        .filter(|m| !m.is_empty())
        .collect()
}

fn distinct(records: &[Arc<Record>], level: Level) -> usize {
    records
        .iter()
        .map(|r| r.key(level))
        .collect::<BTreeSet<_>>()
        .len()
}

fn response(query: &Dataset, level: Level, g: &Group, ae: &str) -> Dataset {
    let rec = &g.matched.header;
    let mut out = Dataset::new();
    if let Some(e) = rec.get(SPECIFIC_CHARACTER_SET) {
        out.insert_from(rec, e);
    }
    let n = g.records.len();
    for key in query.iter() {
        let count = |v: usize| Some(v.to_string());
        let computed = match key.tag {
            Tag(0x0020, 0x1200) => count(distinct(&g.records, Level::Study)),
            Tag(0x0020, 0x1202) | Tag(0x0020, 0x1206) => count(distinct(&g.records, Level::Series)),
            Tag(0x0020, 0x1204) | Tag(0x0020, 0x1208) | Tag(0x0020, 0x1209) => count(n),
            Tag(0x0008, 0x0061) => Some(
                modalities_of(&g.records)
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join("\\"),
            ),
            _ => None,
        };
        match (key.tag, computed) {
            (QUERY_RETRIEVE_LEVEL, _) => set_text(&mut out, key.tag, VR::CS, level.name()),
            (RETRIEVE_AE_TITLE, _) => set_text(&mut out, key.tag, VR::AE, ae),
            (SPECIFIC_CHARACTER_SET, _) => {}
            (t, Some(v)) => set_text(&mut out, t, key.vr, &v),
            (_, None) => copy_key(key, rec, &mut out),
        }
    }
    out
}

/// The value of `key` in `rec` into `out` (empty when `rec` lacks it). For a sequence key
/// with an item, each item of `rec` keeps only the keys of that item (PS3.4 C.2.2.1.3: the
/// attributes asked for, no others).
pub(crate) fn copy_key(key: &rs_dicom::Element, rec: &Dataset, out: &mut Dataset) {
    let t = key.tag;
    let wanted = key.items().and_then(|i| i.first());
    match (rec.get(t), wanted) {
        (Some(e), Some(q)) if e.items().is_some() => {
            let q = q.read();
            let items = e.items().unwrap_or_default().iter().map(|item| {
                let item = item.read();
                let mut kept = Dataset::new();
                if let Some(cs) = item.get(SPECIFIC_CHARACTER_SET) {
                    kept.insert_from(&item, cs);
                }
                for k in q.iter() {
                    copy_key(k, &item, &mut kept);
                }
                rs_dicom::SharedDataset::new(kept)
            });
            out.insert(rs_dicom::Element::sequence(t, items.collect()));
        }
        (Some(e), _) => {
            out.insert_from(rec, e);
        }
        (None, _) if key.items().is_some() => {
            out.insert(rs_dicom::Element::sequence(t, Vec::new()));
        }
        (None, _) => {
            out.set_bytes(t, key.vr, Vec::new());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(patient: &str, study: &str, series: &str, sop: &str, modality: &str) -> Record {
        let mut h = Dataset::new();
        for (t, vr, v) in [
            (Tag(0x0008, 0x0016), VR::UI, "1.2.840.10008.5.1.4.1.1.2"),
            (Tag(0x0008, 0x0018), VR::UI, sop),
            (Tag(0x0008, 0x0060), VR::CS, modality),
            (Tag(0x0010, 0x0010), VR::PN, patient),
            (Tag(0x0010, 0x0020), VR::LO, patient),
            (Tag(0x0020, 0x000D), VR::UI, study),
            (Tag(0x0020, 0x000E), VR::UI, series),
        ] {
            set_text(&mut h, t, vr, v);
        }
        Record {
            path: PathBuf::from(sop),
            sop_class: String::new(),
            sop_instance: sop.into(),
            transfer_syntax: String::new(),
            header: h,
        }
    }

    #[test]
    fn levels_counts_and_retrieve() {
        let ix = Index::new();
        ix.insert(record("A", "1.1", "1.1.1", "1.1.1.1", "CT"));
        ix.insert(record("A", "1.1", "1.1.1", "1.1.1.2", "CT"));
        ix.insert(record("A", "1.1", "1.1.2", "1.1.2.1", "SR"));
        ix.insert(record("B", "2.1", "2.1.1", "2.1.1.1", "MR"));
        ix.insert(record("B", "2.1", "2.1.1", "2.1.1.1", "MR"));
        assert_eq!(ix.len(), 4);
        let mut q = Dataset::new();
        set_text(&mut q, QUERY_RETRIEVE_LEVEL, VR::CS, "STUDY");
        set_text(&mut q, Tag(0x0020, 0x000D), VR::UI, "");
        set_text(&mut q, Tag(0x0020, 0x1208), VR::IS, "");
        set_text(&mut q, Tag(0x0008, 0x0061), VR::CS, "");
        let r = ix.find(Model::StudyRoot, Level::Study, &q, "ME");
        assert_eq!(r.len(), 2);
        assert_eq!(text_of(&r[0], Tag(0x0020, 0x1208)).as_deref(), Some("3"));
        assert_eq!(
            text_of(&r[0], Tag(0x0008, 0x0061)).as_deref(),
            Some("CT\\SR")
        );
        assert_eq!(text_of(&r[1], Tag(0x0020, 0x000D)).as_deref(), Some("2.1"));
        set_text(&mut q, Tag(0x0008, 0x0061), VR::CS, "SR");
        assert_eq!(ix.find(Model::StudyRoot, Level::Study, &q, "ME").len(), 1);
        // A series-level key at the study level matches if any instance has it.
        let mut q = Dataset::new();
        set_text(&mut q, Tag(0x0008, 0x0060), VR::CS, "MR");
        assert_eq!(ix.retrieve(Model::StudyRoot, Level::Study, &q).len(), 1);
        let mut q = Dataset::new();
        set_text(&mut q, Tag(0x0010, 0x0020), VR::LO, "A");
        assert_eq!(ix.retrieve(Model::PatientRoot, Level::Patient, &q).len(), 3);
        assert_eq!(ix.find(Model::PatientRoot, Level::Series, &q, "").len(), 2);
        // A sequence key returns the items with the keys asked for only.
        let mut rec = record("C", "3.1", "3.1.1", "3.1.1.1", "CT");
        let mut item = Dataset::new();
        set_text(&mut item, Tag(0x0008, 0x0100), VR::SH, "CODE");
        set_text(&mut item, Tag(0x0008, 0x0104), VR::LO, "meaning");
        let seq = Tag(0x0008, 0x1032);
        let items = vec![rs_dicom::SharedDataset::new(item)];
        rec.header.insert(rs_dicom::Element::sequence(seq, items));
        ix.insert(rec);
        let mut q = Dataset::new();
        set_text(&mut q, Tag(0x0010, 0x0020), VR::LO, "C");
        let mut qi = Dataset::new();
        set_text(&mut qi, Tag(0x0008, 0x0100), VR::SH, "");
        let items = vec![rs_dicom::SharedDataset::new(qi)];
        q.insert(rs_dicom::Element::sequence(seq, items));
        let r = ix.find(Model::StudyRoot, Level::Study, &q, "");
        assert_eq!(r.len(), 1);
        let items = r[0].get(seq).and_then(|e| e.items()).unwrap();
        let got = items[0].read();
        assert_eq!(text_of(&got, Tag(0x0008, 0x0100)).as_deref(), Some("CODE"));
        assert!(got.get(Tag(0x0008, 0x0104)).is_none());
    }
}
