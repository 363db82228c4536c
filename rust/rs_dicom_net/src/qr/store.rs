//! The Q/R SCP's index kept across starts in an SQLite file (by default
//! `DIR/.rs_dicom_index.sqlite`): one row per file with its size, modification time and
//! header. At start only the files whose path, size or time changed are read again; rows of
//! removed files are dropped; instances received by C-STORE are added as they arrive.
//!
//! The file is a cache of the directory, never the truth: queries are answered by the
//! in-memory [`Index`] it fills (and so by [`super::matching`]), a row that does not decode
//! is read again from its file, and a file SQLite cannot open is replaced by a new one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use rs_dicom::core::Tag;
use rusqlite::{Connection, params};

use super::index::{Index, Keeper, Record, files_under};
use super::text_of;
use crate::error::{NetResult, net_error};

/// The index file's name in the served directory when none is given.
pub const DEFAULT_NAME: &str = ".rs_dicom_index.sqlite";

/// Bumped when the table changes; a file of another version is emptied and refilled.
const SCHEMA_VERSION: i64 = 1;

/// The table, and the columns a later pre-filter of queries can use.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS instances (
    path TEXT PRIMARY KEY NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sop_class TEXT NOT NULL,
    sop_instance TEXT NOT NULL,
    transfer_syntax TEXT NOT NULL,
    patient_id TEXT,
    study_uid TEXT,
    series_uid TEXT,
    modality TEXT,
    study_date TEXT,
    header BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_sop ON instances (sop_instance);
CREATE INDEX IF NOT EXISTS instances_patient ON instances (patient_id);
CREATE INDEX IF NOT EXISTS instances_study ON instances (study_uid);
CREATE INDEX IF NOT EXISTS instances_series ON instances (series_uid);
";

/// What bringing the index file up to date did.
#[derive(Debug, Default, Clone)]
pub struct SyncReport {
    /// Instances taken from the index file without reading their files.
    pub reused: usize,
    /// Files read (new, changed, or not in the index file).
    pub read: usize,
    /// Rows dropped because their files are gone.
    pub removed: usize,
    /// Files that could not be indexed, with why.
    pub bad: Vec<(PathBuf, String)>,
    /// Why the index file was replaced or not used, when it was.
    pub warning: Option<String>,
}

/// An open index file.
pub struct IndexFile {
    conn: Mutex<Connection>,
    root: PathBuf,
    path: PathBuf,
}

/// A row as stored.
struct Row {
    size: i64,
    mtime_ns: i64,
    transfer_syntax: String,
    header: Vec<u8>,
}

fn sql_error(e: rusqlite::Error) -> rs_dicom::DicomError {
    net_error(format!("index file: {e}"))
}

/// A file's size and modification time (ns since the epoch), what a row is checked against.
fn stamp(path: &Path) -> Option<(i64, i64)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    let ns = i64::try_from(mtime.as_nanos()).ok()?;
    Some((i64::try_from(meta.len()).ok()?, ns))
}

impl IndexFile {
    fn try_open(path: &Path, root: &Path) -> NetResult<IndexFile> {
        let conn = Connection::open(path).map_err(sql_error)?;
        // WAL with synchronous=NORMAL: a C-STORE's row costs no fsync; a crash can lose the
        // last rows, which the next start reads again from their files.
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            .map_err(sql_error)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql_error)?;
        if version != SCHEMA_VERSION {
            conn.execute_batch("DROP TABLE IF EXISTS instances;")
                .map_err(sql_error)?;
        }
        conn.execute_batch(SCHEMA).map_err(sql_error)?;
        conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))
            .map_err(sql_error)?;
        Ok(IndexFile {
            conn: Mutex::new(conn),
            root: root.to_path_buf(),
            path: path.to_path_buf(),
        })
    }

    /// Deletes the index file at `path` and SQLite's files beside it.
    fn remove(path: &Path) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }

    /// `p` is this index file or one of SQLite's beside it (an index file given inside the
    /// served directory without a leading dot).
    fn is_own(&self, p: &Path) -> bool {
        let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
        let (Some(own), Some(other)) = (name(&self.path), name(p)) else {
            return false;
        };
        let dir = |p: &Path| p.parent().and_then(|d| d.canonicalize().ok());
        other.starts_with(&own) && dir(p).is_some() && dir(p) == dir(&self.path)
    }

    /// The key of a file: its path under the root, as text (None: not kept).
    fn key(&self, path: &Path) -> Option<String> {
        path.strip_prefix(&self.root)
            .ok()?
            .to_str()
            .map(str::to_string)
    }

    fn rows(conn: &Connection) -> rusqlite::Result<HashMap<String, Row>> {
        let mut st =
            conn.prepare("SELECT path, size, mtime_ns, transfer_syntax, header FROM instances")?;
        let rows = st.query_map([], |r| {
            let row = Row {
                size: r.get(1)?,
                mtime_ns: r.get(2)?,
                transfer_syntax: r.get(3)?,
                header: r.get(4)?,
            };
            Ok((r.get::<_, String>(0)?, row))
        })?;
        rows.collect()
    }

    fn upsert(
        conn: &Connection,
        key: &str,
        (size, mtime_ns): (i64, i64),
        rec: &Record,
        header: &[u8],
    ) -> rusqlite::Result<()> {
        let text = |t: Tag| text_of(&rec.header, t);
        conn.prepare_cached(
            "INSERT OR REPLACE INTO instances (path, size, mtime_ns, sop_class, sop_instance, \
             transfer_syntax, patient_id, study_uid, series_uid, modality, study_date, header) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            key,
            size,
            mtime_ns,
            rec.sop_class,
            rec.sop_instance,
            rec.transfer_syntax,
            text(Tag(0x0010, 0x0020)),
            text(Tag(0x0020, 0x000D)),
            text(Tag(0x0020, 0x000E)),
            text(Tag(0x0008, 0x0060)),
            text(Tag(0x0008, 0x0020)),
            header,
        ])?;
        Ok(())
    }

    /// Brings the index file up to date with the directory and fills `index` from it, in
    /// the order [`Index::add_dir`] would.
    fn sync(&self, index: &Index, report: &mut SyncReport) -> NetResult<()> {
        let mut conn = self.conn.lock().map_err(|_| net_error("index file lock"))?;
        // A damaged file fails here (SQLite checks each page it reads); the caller then
        // starts a new one. No PRAGMA quick_check: it read the whole file at each start.
        let mut rows = IndexFile::rows(&conn).map_err(sql_error)?;
        let (mut files, bad) = files_under(&self.root);
        files.retain(|p| !self.is_own(p));
        report.bad = bad;
        let tx = conn.transaction().map_err(sql_error)?;
        for path in files {
            let key = self.key(&path);
            let st = stamp(&path);
            let row = key.as_ref().and_then(|k| rows.remove(k));
            let cached = row
                .filter(|r| st == Some((r.size, r.mtime_ns)))
                .and_then(|r| Record::from_encoded(&path, &r.header, r.transfer_syntax).ok());
            if let Some(rec) = cached {
                report.reused += 1;
                index.insert(rec);
                continue;
            }
            report.read += 1;
            match Record::read_encoded(&path) {
                Ok((rec, bytes)) => {
                    if let (Some(k), Some(st)) = (&key, st) {
                        IndexFile::upsert(&tx, k, st, &rec, &bytes).map_err(sql_error)?;
                    }
                    index.insert(rec);
                }
                Err(e) => {
                    if let Some(k) = &key {
                        tx.execute("DELETE FROM instances WHERE path = ?1", [k])
                            .map_err(sql_error)?;
                    }
                    report.bad.push((path, e.to_string()));
                }
            }
        }
        for k in rows.keys() {
            tx.execute("DELETE FROM instances WHERE path = ?1", [k])
                .map_err(sql_error)?;
            report.removed += 1;
        }
        tx.commit().map_err(sql_error)
    }
}

impl Keeper for IndexFile {
    fn put(&self, path: &Path, rec: &Record, header: &[u8]) -> NetResult<()> {
        let (Some(key), Some(st)) = (self.key(path), stamp(path)) else {
            return Ok(());
        };
        let conn = self.conn.lock().map_err(|_| net_error("index file lock"))?;
        IndexFile::upsert(&conn, &key, st, rec, header).map_err(sql_error)
    }
}

impl Index {
    /// An index of the files under `dir`, kept in the SQLite file `file` across starts.
    /// Never fails: a file that is not a usable index is replaced by a new one (a warning
    /// in the report says so); one that cannot be made leaves an in-memory index of `dir`
    /// (every file read) and a warning.
    pub fn open_file(dir: &Path, file: &Path) -> (Index, SyncReport) {
        let mut warning = None;
        let mut why = String::new();
        for attempt in 0..2 {
            let mut report = SyncReport::default();
            let opened = IndexFile::try_open(file, dir).and_then(|f| {
                let mut index = Index::new();
                f.sync(&index, &mut report)?;
                index.keeper = Some(Box::new(f));
                Ok(index)
            });
            match opened {
                Ok(index) => {
                    report.warning = warning;
                    return (index, report);
                }
                Err(e) if attempt == 0 => {
                    IndexFile::remove(file);
                    warning = Some(format!("{}: {e}; rebuilt", file.display()));
                }
                Err(e) => why = e.to_string(),
            }
        }
        let index = Index::new();
        let (added, bad) = index.add_dir(dir);
        let report = SyncReport {
            read: added + bad.len(),
            bad,
            warning: Some(format!("{}: {why}; not used", file.display())),
            ..SyncReport::default()
        };
        (index, report)
    }
}
