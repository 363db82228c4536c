//! rs_dicom_scan: read the headers of many DICOM files in parallel into Arrow arrays, one row
//! per file (path, size, error, transfer syntax, SOP class, then one column per requested tag).
//!
//! Each file is read only up to the last tag a column needs (or its pixel data), from an 8 KiB
//! prefix that grows only for longer headers. Explicit VR little endian headers are walked
//! here (the `walk` module), their values appended from the file's bytes straight into the Arrow
//! builders; other files are read by the core reader (`rs_dicom::parser`), with the same rows.
//! A file that cannot be read is a row with its error message, never a failure of the scan. The result is a list of `StructArray`s (record batches) in the order of the
//! paths, ready for the Arrow C data interface (`arrow_array::ffi`).

#![deny(unsafe_code)]

mod builder;
pub mod columns;
pub mod datetime;
mod fetched;
mod list;
mod open;
pub mod pool;
mod values;
mod walk;

use std::io::{Read, Seek, SeekFrom};
use std::time::UNIX_EPOCH;

use arrow_array::StructArray;
use arrow_schema::{ArrowError, Fields};
use rayon::prelude::*;
use rs_dicom::core::Tag;
use rs_dicom::error::Result;
use rs_dicom::parser::{DicomFile, ReadOptions, parse_open_file};

use crate::builder::{BatchBuilder, RowHead, first_text};
pub use crate::columns::{Column, Kind};
pub use crate::fetched::{FIRST_REQUEST, Fetched, Input};
pub use crate::list::list_files;
use crate::walk::{Plan, Walk};

/// What a scan reads: its columns and schema.
#[derive(Debug, Clone)]
pub struct Scan {
    columns: Vec<Column>,
    fields: Fields,
    mtime: bool,
    /// The last dataset tag any column depends on: each file is read only up to it.
    stop_after: Tag,
    /// The header walk of plain files (explicit VR little endian).
    plan: Plan,
}

const SOP_CLASS_UID: Tag = Tag(0x0008, 0x0016);
/// Decides "US or SS" VRs in implicit VR files (pydicom's rule), so it is read when one of
/// those is asked for.
const PIXEL_REPRESENTATION: Tag = Tag(0x0028, 0x0103);

/// The smallest number of files one task reads into its own batch (fewer, larger batches
/// cost less to hand over; more keep every worker busy to the end).
const MIN_CHUNK: usize = 32;
/// The most files in one batch (a batch costs Python one conversion, about 0.1 ms).
const MAX_CHUNK: usize = 2048;

/// Header bytes read first, then next (as the core reader's prefixes): one read of the first
/// holds most headers; past the last, the core reader reads the file.
const PREFIXES: [usize; 2] = [8 * 1024, 64 * 1024];

impl Scan {
    /// A scan of `tags` (typed by the dictionary; sequences are refused); `mtime` adds a
    /// last column with each file's modification time (for incremental indexes).
    pub fn new(tags: &[Tag], mtime: bool) -> Result<Scan> {
        let columns = tags
            .iter()
            .map(|&t| Column::for_tag(t))
            .collect::<Result<Vec<_>>>()?;
        let fields = columns::fields(&columns, mtime);
        let stop_after = columns
            .iter()
            .filter(|c| c.tag.0 != 0x0002)
            .map(|c| {
                let us_or_ss = rs_dicom::dictionary::by_tag(c.tag)
                    .is_some_and(|e| e.vrs.len() > 1 && e.vrs.contains(&rs_dicom::VR::SS));
                if us_or_ss {
                    c.tag.max(PIXEL_REPRESENTATION)
                } else {
                    c.tag
                }
            })
            .fold(SOP_CLASS_UID, Tag::max);
        let sorted = |meta: bool| {
            let mut v: Vec<(Tag, usize)> = columns
                .iter()
                .enumerate()
                .filter(|(_, c)| (c.tag.0 == 0x0002) == meta)
                .map(|(i, c)| (c.tag, i))
                .collect();
            if !meta {
                v.push((SOP_CLASS_UID, columns.len()));
            }
            v.sort_unstable();
            v
        };
        let plan = Plan {
            data: sorted(false)
                .into_iter()
                .map(|(t, i)| (walk::key_of(t), i))
                .collect(),
            meta: sorted(true),
            stop_after,
            limits: ReadOptions::default().limits,
        };
        Ok(Scan {
            columns,
            fields,
            mtime,
            stop_after,
            plan,
        })
    }

    /// The requested columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The schema of every batch.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The rows of `paths`, read one after the other, as one batch.
    pub fn batch(&self, paths: &[String]) -> std::result::Result<StructArray, ArrowError> {
        self.batch_with(paths, |b, p| self.file_row(b, p))
    }

    /// The rows of `paths` read in parallel on the current rayon pool: batches of contiguous
    /// paths, in order.
    pub fn batches(&self, paths: &[String]) -> std::result::Result<Vec<StructArray>, ArrowError> {
        self.parallel(paths, |b, p| self.file_row(b, p))
    }

    /// The rows of `inputs` (local files and header bytes fetched from a store) read in
    /// parallel on the current rayon pool, in order: a fetched file's row is the one its local
    /// copy gives.
    pub fn input_batches(
        &self,
        inputs: &[Input],
    ) -> std::result::Result<Vec<StructArray>, ArrowError> {
        self.parallel(inputs, |b, input| match input {
            Input::File(path) => self.file_row(b, path),
            Input::Fetched(f) => self.fetched_row(b, f),
        })
    }

    /// The rows of `paths` read by the core reader alone, as before the header walk: the
    /// oracle the walk's rows are checked against (tests, the `scan_walk` fuzz target).
    #[doc(hidden)]
    pub fn core_batch(&self, paths: &[String]) -> std::result::Result<StructArray, ArrowError> {
        self.batch_with(paths, |b, path| {
            let mut file = match std::fs::File::open(path) {
                Ok(f) => f,
                Err(e) => return self.row(b, path, None, None, Err(format!("{path}: {e}"))),
            };
            let (size, mtime) = match file.metadata() {
                Ok(m) => (i64::try_from(m.len()).ok(), mtime_of(&m)),
                Err(e) => return self.row(b, path, None, None, Err(format!("{path}: {e}"))),
            };
            let read = parse_open_file(&mut file, path.as_ref(), self.options())
                .map_err(|e| e.to_string());
            self.row(b, path, size, mtime, read);
        })
    }

    /// Whether a local file holding `bytes` gets its row from the header walk (not from the
    /// core reader): read as [`Scan::batch`] reads it, prefix by prefix.
    #[doc(hidden)]
    pub fn walks(&self, bytes: &[u8]) -> bool {
        let mut b = BatchBuilder::new(&self.columns, self.fields.clone(), self.mtime);
        let mut found = walk::Found::default();
        for limit in PREFIXES {
            let buf = &bytes[..limit.min(bytes.len())];
            let whole = buf.len() == bytes.len();
            match self
                .plan
                .walk(buf, whole, &mut found, self.columns.len() + 1)
            {
                Walk::Done => return self.walked_cells(&mut b, buf, &found, "", None, None),
                Walk::More if !whole => {}
                Walk::More | Walk::Fallback => return false,
            }
        }
        false
    }

    /// An empty batch of this scan's columns.
    fn builder(&self) -> BatchBuilder<'_> {
        BatchBuilder::new(&self.columns, self.fields.clone(), self.mtime)
    }

    fn batch_with<T>(
        &self,
        items: &[T],
        row: impl Fn(&mut BatchBuilder<'_>, &T),
    ) -> std::result::Result<StructArray, ArrowError> {
        let mut b = self.builder();
        for item in items {
            row(&mut b, item);
        }
        b.finish()
    }

    fn parallel<T: Sync>(
        &self,
        items: &[T],
        row: impl Fn(&mut BatchBuilder<'_>, &T) + Sync,
    ) -> std::result::Result<Vec<StructArray>, ArrowError> {
        // A few tasks per thread, each a batch: a long list is cut at MAX_CHUNK, so the last
        // tasks end close together; a short one keeps batches of hundreds of rows (a Parquet
        // writer makes a row group of each). Each chunk is a job of its own (`with_max_len`):
        // rayon would otherwise read a run of chunks as one job that no idle thread can split.
        let tasks = rayon::current_num_threads().max(1) * 4;
        let chunk = items.len().div_ceil(tasks).clamp(MIN_CHUNK, MAX_CHUNK);
        items
            .par_chunks(chunk)
            .with_max_len(1)
            .map(|c| self.batch_with(c, &row))
            .collect()
    }

    fn file_row(&self, b: &mut BatchBuilder<'_>, path: &str) {
        let mut file = match b.opener.open(path) {
            Ok(f) => f,
            Err(e) => return self.row(b, path, None, None, Err(format!("{path}: {e}"))),
        };
        let (len, mtime) = match file.metadata() {
            Ok(m) => (m.len(), mtime_of(&m)),
            Err(e) => return self.row(b, path, None, None, Err(format!("{path}: {e}"))),
        };
        let size = i64::try_from(len).ok();
        if self.walked_row(b, &mut file, path, len, size, mtime) {
            return;
        }
        // Not a plain header: the core reader reads the file from its start.
        let read = file
            .seek(SeekFrom::Start(0))
            .map_err(|e| rs_dicom::error::DicomError::io_path(&e, "cannot read", path.as_ref()))
            .and_then(|_| parse_open_file(&mut file, path.as_ref(), self.options()))
            .map_err(|e| e.to_string());
        self.row(b, path, size, mtime, read);
    }

    /// The row of a plain header (see [`walk`]) read from `file` (`len` bytes long) in one
    /// read of its first bytes, more only for a longer header; false, with nothing appended,
    /// for a file the core reader must read.
    fn walked_row(
        &self,
        b: &mut BatchBuilder<'_>,
        file: &mut std::fs::File,
        path: &str,
        len: u64,
        size: Option<i64>,
        mtime: Option<i64>,
    ) -> bool {
        let mut buf = std::mem::take(&mut b.buf);
        let mut found = std::mem::take(&mut b.found);
        buf.clear();
        let slots = self.columns.len() + 1;
        let mut done = false;
        for limit in PREFIXES {
            let want = u64::try_from(limit)
                .unwrap_or(u64::MAX)
                .min(len)
                .saturating_sub(buf.len() as u64);
            buf.reserve(usize::try_from(want).unwrap_or(0));
            // A read to the file's size (from `fstat`) ends without another system call.
            let Ok(n) = Read::take(&mut *file, want).read_to_end(&mut buf) else {
                break;
            };
            let whole = (n as u64) < want || buf.len() as u64 >= len;
            match self.plan.walk(&buf, whole, &mut found, slots) {
                Walk::Done => {
                    done = self.walked_cells(b, &buf, &found, path, size, mtime);
                    break;
                }
                Walk::More if !whole => {}
                Walk::More | Walk::Fallback => break,
            }
        }
        b.buf = buf;
        b.found = found;
        done
    }

    fn walked_cells(
        &self,
        b: &mut BatchBuilder<'_>,
        bytes: &[u8],
        found: &walk::Found,
        path: &str,
        size: Option<i64>,
        mtime: Option<i64>,
    ) -> bool {
        let (cells, sop) = found.slots.split_at(self.columns.len());
        let sop = match sop.first().copied().flatten() {
            Some(s) => match first_text(s.vr, s.of(bytes)) {
                Some(v) => v,
                None => return false,
            },
            None => None,
        };
        let ts = found
            .ts_uid
            .and_then(|s| std::str::from_utf8(s.of(bytes)).ok())
            .map(rs_dicom::core::trim_uid);
        if ts.is_none() || !b.direct_fits(bytes, cells) {
            return false;
        }
        let head = RowHead {
            path,
            size,
            error: None,
            transfer_syntax_uid: ts,
            sop_class_uid: sop,
            mtime,
        };
        b.direct(head, bytes, cells);
        true
    }

    /// One row: the file's values, or its error and nulls.
    fn row(
        &self,
        b: &mut BatchBuilder<'_>,
        path: &str,
        size: Option<i64>,
        mtime: Option<i64>,
        read: std::result::Result<DicomFile, String>,
    ) {
        match read {
            Ok(file) => {
                let sop = uid(&file, SOP_CLASS_UID);
                let head = RowHead {
                    path,
                    size,
                    error: None,
                    transfer_syntax_uid: file.transfer_syntax_uid.as_deref(),
                    sop_class_uid: sop.as_deref(),
                    mtime,
                };
                b.row(head, |i| {
                    let col = &self.columns[i];
                    let ds = if col.tag.0 == 0x0002 {
                        &file.meta
                    } else {
                        &file.dataset
                    };
                    ds.get(col.tag).and_then(|e| values::cell(ds, e, col))
                });
            }
            Err(error) => {
                let head = RowHead {
                    path,
                    size,
                    error: Some(error.as_str()),
                    transfer_syntax_uid: None,
                    sop_class_uid: None,
                    mtime,
                };
                b.row(head, |_| None);
            }
        }
    }

    /// How each file is read: up to the pixel data or the last tag a column needs.
    fn options(&self) -> ReadOptions {
        ReadOptions {
            stop_before_pixels: true,
            stop_after: Some(self.stop_after),
            ..ReadOptions::default()
        }
    }
}

/// A file's modification time in ns since the epoch.
fn mtime_of(m: &std::fs::Metadata) -> Option<i64> {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
}

fn uid(file: &DicomFile, tag: Tag) -> Option<String> {
    let e = file.dataset.get(tag)?;
    let text = rs_dicom::value::text_values(&file.dataset, e);
    text.into_iter().next().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type, Int64Type};
    use arrow_array::{Array, ListArray};

    use super::*;
    use rs_dicom::parser::parse_file_with;

    fn sample() -> String {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm").to_string()
    }

    #[test]
    fn a_file_and_a_missing_one_are_two_rows() {
        let tags = [
            Tag(0x0028, 0x0010),
            Tag(0x0028, 0x0030),
            Tag(0x0008, 0x0020),
        ];
        let scan = Scan::new(&tags, true).unwrap();
        let paths = vec![sample(), "/nonexistent/x.dcm".to_string()];
        let batch = scan.batch(&paths).unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(batch.num_columns(), 5 + 3 + 1);
        let error = batch.column(2).as_string::<i32>();
        assert!(error.is_null(0));
        assert!(error.value(1).contains("/nonexistent/x.dcm"));
        let file = parse_file_with(&paths[0], ReadOptions::default()).unwrap();
        let rows = batch.column(5).as_primitive::<Int64Type>();
        let want = rs_dicom::value::decode(&file, file.get(tags[0]).unwrap());
        assert!(matches!(want, rs_dicom::value::Value::Ints(v) if v == vec![rows.value(0)]));
        assert!(rows.is_null(1));
        let spacing: &ListArray = batch.column(6).as_list::<i32>();
        assert_eq!(spacing.value(0).as_primitive::<Float64Type>().len(), 2);
        let date = batch.column(7).as_primitive::<Date32Type>();
        assert_eq!(date.len(), 2);
        assert!(!batch.column(8).is_null(0) && batch.column(8).is_null(1));
    }

    #[test]
    fn files_are_read_up_to_the_last_tag_a_column_needs() {
        let stop = |tags: &[Tag]| Scan::new(tags, false).unwrap().stop_after;
        // The SOP Class UID is always read; the file meta group is read apart.
        assert_eq!(stop(&[Tag(0x0002, 0x0010)]), SOP_CLASS_UID);
        assert_eq!(
            stop(&[Tag(0x0010, 0x0020), Tag(0x0008, 0x0020)]),
            Tag(0x0010, 0x0020)
        );
        // (0018,9810) is "US or SS": Pixel Representation decides it in implicit VR files.
        assert_eq!(stop(&[Tag(0x0018, 0x9810)]), PIXEL_REPRESENTATION);
        assert_eq!(stop(&[Tag(0x0028, 0x0106)]), Tag(0x0028, 0x0106));
        // The rows equal those of a read of the whole header.
        let tags = [Tag(0x0008, 0x0060), Tag(0x0010, 0x0010)];
        let batch = Scan::new(&tags, false).unwrap().batch(&[sample()]).unwrap();
        let file = parse_file_with(sample(), ReadOptions::default()).unwrap();
        for (i, t) in tags.iter().enumerate() {
            let want = rs_dicom::value::text_values(&file, file.get(*t).unwrap());
            assert_eq!(batch.column(5 + i).as_string::<i32>().value(0), want[0]);
        }
    }

    #[test]
    fn parallel_batches_keep_the_order() {
        let scan = Scan::new(&[Tag(0x0008, 0x0018)], false).unwrap();
        let paths: Vec<String> = (0..100)
            .map(|i| {
                if i % 3 == 0 {
                    sample()
                } else {
                    format!("/missing/{i}")
                }
            })
            .collect();
        let batches = scan.batches(&paths).unwrap();
        let got: Vec<String> = batches
            .iter()
            .flat_map(|b| {
                let p = b.column(0).as_string::<i32>();
                (0..p.len())
                    .map(|i| p.value(i).to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(got, paths);
    }
}
