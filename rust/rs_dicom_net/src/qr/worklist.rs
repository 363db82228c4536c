//! The Modality Worklist SCP (PS3.4 K): C-FIND answered from a folder of worklist files
//! (DCMTK wlmscpfs's `.wl` files, or any DICOM file with a Scheduled Procedure Step
//! Sequence), matched with [`super::matching`]. The folder is listed for every query, as
//! wlmscpfs does, and a file is parsed again only when its size or modification time changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rs_dicom::core::{Element, Tag};
use rs_dicom::{Dataset, SharedDataset};

use super::command::{field, qr_response, status};
use super::index::{copy_key, read_header};
use super::matching::dataset_matches;
use super::scp::{recv_query, send_matches};
use super::{QUERY_RETRIEVE_LEVEL, SPECIFIC_CHARACTER_SET, WORKLIST_FIND};
use crate::assoc::Association;
use crate::dimse::{Command, tags};
use crate::error::NetResult;
use crate::scp::{ServerConfig, Service};

/// (0040,0100) Scheduled Procedure Step Sequence.
pub const SPS_SEQUENCE: Tag = Tag(0x0040, 0x0100);

/// A file as last read: its size and modification time, and its data set when it is a
/// worklist item (None: not DICOM, or no Scheduled Procedure Step Sequence).
struct Cached {
    stamp: (u64, Option<SystemTime>),
    item: Option<Arc<Dataset>>,
}

/// The Modality Worklist C-FIND SCP; other commands go to `inner` (a Q/R SCP) when given.
pub struct WorklistService {
    directory: PathBuf,
    ae_folders: bool,
    inner: Option<Arc<dyn Service>>,
    cache: Mutex<HashMap<PathBuf, Cached>>,
}

impl WorklistService {
    /// Serves the worklist files under `directory` (subfolders included); with `ae_folders`,
    /// those under `directory/<called AE title>` only, as wlmscpfs's `-dfp` layout.
    pub fn new(
        directory: impl Into<PathBuf>,
        ae_folders: bool,
        inner: Option<Arc<dyn Service>>,
    ) -> WorklistService {
        WorklistService {
            directory: directory.into(),
            ae_folders,
            inner,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The folder served to an association called `called_ae`, if there is one.
    pub fn folder(&self, called_ae: &str) -> Option<PathBuf> {
        if !self.ae_folders {
            return Some(self.directory.clone());
        }
        let ae = called_ae.trim();
        // An AE title names one folder below the directory, never a path.
        let plain = !ae.is_empty() && ae != "." && ae != ".." && !ae.contains(['/', '\\']);
        let dir = self.directory.join(ae);
        (plain && dir.is_dir()).then_some(dir)
    }

    /// The worklist items under `folder`, read again where a file changed.
    pub fn items(&self, folder: &Path) -> Vec<Arc<Dataset>> {
        let mut files = Vec::new();
        list(folder, &mut files);
        files.sort();
        let Ok(mut cache) = self.cache.lock() else {
            return Vec::new();
        };
        cache.retain(|p, _| p.exists());
        let mut out = Vec::new();
        for (path, stamp) in files {
            let fresh = cache.get(&path).is_some_and(|c| c.stamp == stamp);
            if !fresh {
                let item = read_header(&path)
                    .ok()
                    .map(|(ds, _)| ds)
                    .filter(|ds| ds.get(SPS_SEQUENCE).is_some_and(|e| e.items().is_some()))
                    .map(Arc::new);
                cache.insert(path.clone(), Cached { stamp, item });
            }
            if let Some(item) = cache.get(&path).and_then(|c| c.item.clone()) {
                out.push(item);
            }
        }
        out
    }

    fn find(&self, assoc: &mut Association, ctx: u8, rq: &Command) -> NetResult<()> {
        let Some(q) = recv_query(assoc, ctx, rq)? else {
            return Ok(());
        };
        let Some(folder) = self.folder(&assoc.called_ae) else {
            let mut rsp = qr_response(rq, status::UNABLE_TO_PROCESS, false, None);
            let why = format!("no worklist for AE title {}", assoc.called_ae);
            rsp.set_text(tags::ERROR_COMMENT, rs_dicom::VR::LO, &why);
            return assoc.send_command(ctx, &rsp);
        };
        let items = self.items(&folder);
        send_matches(assoc, ctx, rq, find(&items, &q))
    }
}

/// Every regular file under `dir` (links to files followed, links to folders not) with its
/// size and modification time; hidden files, wlmscpfs's `lockfile` and DICOMDIR left out.
fn list(dir: &Path, out: &mut Vec<(PathBuf, (u64, Option<SystemTime>))>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "lockfile" || name == "DICOMDIR" {
                continue;
            }
            // A linked folder is not entered: a link to a parent would never end.
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
                continue;
            }
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_file() {
                out.push((path, (meta.len(), meta.modified().ok())));
            }
        }
    }
}

/// Keys the SCP does not support (PS3.4 K.4.1.2.3, status FF01): private attributes, whose
/// meaning depends on a private creator the worklist files need not share.
fn unsupported(tag: Tag) -> bool {
    tag.is_private()
}

/// One worklist record per Scheduled Procedure Step: the item's data set with the sequence
/// holding that step only (a C-FIND identifier carries one step, PS3.4 K.6.1.2).
pub fn steps(item: &Dataset) -> Vec<Dataset> {
    let Some(seq) = item.get(SPS_SEQUENCE).and_then(Element::items) else {
        return Vec::new();
    };
    seq.iter()
        .map(|step| {
            let mut one = item.clone();
            one.insert(Element::sequence(SPS_SEQUENCE, vec![step.clone()]));
            one
        })
        .collect()
}

/// The C-FIND answers to `query` from worklist `items`: one identifier per matching
/// Scheduled Procedure Step with the status of its pending response (FF01 when the query has
/// keys the SCP does not support, which are left out of the answers).
pub fn find(items: &[Arc<Dataset>], query: &Dataset) -> Vec<(Dataset, u16)> {
    let pending = if query.iter().any(|k| unsupported(k.tag)) {
        status::PENDING_WARNING
    } else {
        status::PENDING
    };
    let q = query.filtered(|t| !unsupported(t) && t != QUERY_RETRIEVE_LEVEL);
    items
        .iter()
        .flat_map(|item| steps(item))
        .filter(|rec| dataset_matches(&q, rec))
        .map(|rec| (response(&q, &rec), pending))
        .collect()
}

/// The identifier answering `query` from `rec`: each key with the record's value, empty when
/// the record lacks it (PS3.4 K.6.1.2.2); a sequence key with an item keeps only the keys of
/// that item.
fn response(query: &Dataset, rec: &Dataset) -> Dataset {
    let mut out = Dataset::new();
    if let Some(cs) = rec.get(SPECIFIC_CHARACTER_SET) {
        out.insert_from(rec, cs);
    }
    for key in query.iter().filter(|k| k.tag != SPECIFIC_CHARACTER_SET) {
        copy_key(key, rec, &mut out);
    }
    out
}

impl Service for WorklistService {
    fn handles(&self, f: u16) -> bool {
        matches!(f, field::C_FIND_RQ | field::C_CANCEL_RQ)
            || self.inner.as_ref().is_some_and(|s| s.handles(f))
    }

    fn serve(&self, assoc: &mut Association, ctx: u8, rq: &Command) -> NetResult<()> {
        let class = rq.text(tags::AFFECTED_SOP_CLASS).unwrap_or_default();
        let ours = rq.field() == Some(field::C_FIND_RQ) && class == WORKLIST_FIND;
        match (&self.inner, rq.field()) {
            _ if ours => self.find(assoc, ctx, rq),
            (Some(inner), Some(f)) if inner.handles(f) => inner.serve(assoc, ctx, rq),
            // The operation a C-CANCEL-RQ cancels is over: nothing to answer.
            (_, Some(field::C_CANCEL_RQ)) => Ok(()),
            _ => {
                if recv_query(assoc, ctx, rq)?.is_none() {
                    return Ok(());
                }
                let st = crate::scp::status::SOP_CLASS_NOT_SUPPORTED;
                assoc.send_command(ctx, &qr_response(rq, st, false, None))
            }
        }
    }
}

/// Adds the Modality Worklist to a server configuration: its SOP class accepted, its C-FIND
/// answered from `service`, which passes the other commands to the service already there.
pub fn add_to(cfg: &mut ServerConfig, directory: PathBuf, ae_folders: bool) {
    let before = cfg.accept.abstract_syntaxes.clone();
    cfg.accept.abstract_syntaxes = Arc::new(move |uid| uid == WORKLIST_FIND || before(uid));
    let inner = cfg.service.take();
    cfg.service = Some(Arc::new(WorklistService::new(directory, ae_folders, inner)));
}

/// A server configuration for a Modality Worklist SCP alone (with Verification), as
/// wlmscpfs: nothing is stored.
pub fn server_config(directory: impl Into<PathBuf>, ae_folders: bool) -> ServerConfig {
    let directory = directory.into();
    let mut cfg = ServerConfig::storage(directory.clone());
    cfg.accept.abstract_syntaxes = Arc::new(|uid| uid == crate::VERIFICATION);
    add_to(&mut cfg, directory, ae_folders);
    cfg
}

/// An item made in memory, for tests and callers building worklists: `item` with its
/// Scheduled Procedure Steps.
pub fn with_steps(mut item: Dataset, steps: Vec<Dataset>) -> Dataset {
    let items = steps.into_iter().map(SharedDataset::new).collect();
    item.insert(Element::sequence(SPS_SEQUENCE, items));
    item
}
