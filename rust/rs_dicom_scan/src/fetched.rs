//! Files held elsewhere (a bucket, an HTTP server): the caller fetches their first bytes and
//! they are scanned here from memory, so nothing is written to disk.
//!
//! [`Scan::wanted`] says how many leading bytes a file's row needs. It follows the local read
//! (`parse_open_file`): bytes are enough once the read of them stops at the pixel data or
//! after the last tag the scan needs (the read of a longer prefix, or of the whole file, stops
//! at the same element with the same dataset), or once they are the whole file. Unlike the
//! local read, a prefix whose header is cut by a defect is not grown to the whole file (a
//! 150 MB multi-frame would be fetched for one error row): when the read of the bytes fails
//! and the push parser, which walks the elements without building a dataset, finds the header
//! bad before their end, the row is the read of those bytes, which meets the defect at the
//! same byte offset.

use std::sync::Arc;

use rs_dicom::parser::{DicomFile, Need, PushParser, ReadOptions, Source, parse_source};

use crate::Scan;
use crate::builder::BatchBuilder;

/// One file to scan.
#[derive(Debug, Clone)]
pub enum Input {
    /// A local file, opened and read up to the scan's stop.
    File(String),
    /// The first bytes of a file fetched from elsewhere.
    Fetched(Fetched),
}

/// The leading bytes of a file held elsewhere, and what the store says about it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The name given in the row (a URL).
    pub path: String,
    /// The size of the whole file, not of the bytes held (None: unknown).
    pub size: Option<i64>,
    /// The modification time the store gives, in ns since the epoch.
    pub mtime: Option<i64>,
    /// The bytes fetched, enough by [`Scan::wanted`]; or why the file could not be fetched.
    pub bytes: Result<Vec<u8>, String>,
}

/// Each request for more header bytes asks for at least this many times the bytes held, so a
/// long header takes few round trips (8, 32, 128 KiB: `rs_dicom.remote` grows the same way).
const GROWTH: usize = 4;

/// The first request: most headers are a few KiB (as the core reader's first prefix).
pub const FIRST_REQUEST: usize = 8 * 1024;

impl Scan {
    /// How many leading bytes of a file to hold in all for its row, when `bytes` (its first
    /// bytes) are not enough; None when they are. `size` is the whole file's (None: unknown;
    /// a caller whose request gave fewer bytes than asked knows the file ended there and
    /// passes that length as the size).
    pub fn wanted(&self, bytes: &[u8], size: Option<u64>) -> Option<usize> {
        let len = bytes.len();
        if size.is_some_and(|s| u64::try_from(len).is_ok_and(|l| l >= s)) {
            return None;
        }
        let parsed = self.parse(bytes.to_vec());
        if let Ok(f) = &parsed
            && (f.stopped_before_pixels || f.stopped_after)
        {
            return None;
        }
        let mut walk = PushParser::new(ReadOptions {
            stop_before_pixels: true,
            ..ReadOptions::default()
        });
        let more = match walk.feed(bytes) {
            // A defect before the end of the bytes held: its error row needs no more.
            Need::Done if parsed.is_err() => return None,
            Need::Done => 0,
            Need::More(n) => n,
        };
        let want = len
            .saturating_add(more.max(1))
            .max(len.saturating_mul(GROWTH))
            .max(FIRST_REQUEST);
        Some(match size.map(usize::try_from) {
            Some(Ok(s)) => want.min(s),
            _ => want,
        })
    }

    /// The row of a fetched file: its bytes read as the local file would be.
    pub(crate) fn fetched_row(&self, b: &mut BatchBuilder<'_>, f: &Fetched) {
        match &f.bytes {
            Ok(bytes) => {
                let read = self.parse(bytes.clone()).map_err(|e| e.to_string());
                self.row(b, &f.path, f.size, f.mtime, read);
            }
            Err(e) => self.row(b, &f.path, None, f.mtime, Err(e.clone())),
        }
    }

    fn parse(&self, bytes: Vec<u8>) -> rs_dicom::error::Result<DicomFile> {
        parse_source(Arc::new(Source::Owned(bytes)), self.options())
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use arrow_array::{Array, StructArray};
    use rs_dicom::core::Tag;

    use super::*;

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");

    fn sample() -> Vec<u8> {
        std::fs::read(SAMPLE).unwrap()
    }

    /// The bytes a caller would hold: requests grown as `wanted` says.
    fn fetch(scan: &Scan, data: &[u8]) -> Vec<u8> {
        let mut held = data[..data.len().min(FIRST_REQUEST)].to_vec();
        let size = Some(data.len() as u64);
        let mut rounds = 0;
        while let Some(n) = scan.wanted(&held, size) {
            assert!(n > held.len(), "wanted {n} with {} held", held.len());
            held = data[..n.min(data.len())].to_vec();
            rounds += 1;
            assert!(rounds < 64, "no progress");
        }
        held
    }

    fn fetched(path: &str, size: usize, bytes: Vec<u8>) -> Input {
        Input::Fetched(Fetched {
            path: path.to_string(),
            size: Some(size as i64),
            mtime: None,
            bytes: Ok(bytes),
        })
    }

    fn one(scan: &Scan, input: Input) -> StructArray {
        let mut batches = scan.input_batches(&[input]).unwrap();
        assert_eq!(batches.len(), 1);
        batches.remove(0)
    }

    fn tags() -> Vec<Tag> {
        [
            (0x0008, 0x0018),
            (0x0008, 0x0060),
            (0x0010, 0x0010),
            (0x0020, 0x0032),
            (0x0028, 0x0010),
            (0x0028, 0x1053),
        ]
        .into_iter()
        .map(|(g, e)| Tag(g, e))
        .collect()
    }

    #[test]
    fn a_fetched_prefix_gives_the_row_of_the_local_file() {
        let data = sample();
        for tags in [tags(), vec![Tag(0x0008, 0x0016)], vec![Tag(0x0029, 0x1010)]] {
            let scan = Scan::new(&tags, false).unwrap();
            let held = fetch(&scan, &data);
            assert!(held.len() < data.len(), "the whole file was fetched");
            let want = scan.batch(&[SAMPLE.to_string()]).unwrap();
            let got = one(&scan, fetched(SAMPLE, data.len(), held));
            assert_eq!(got, want);
            assert!(want.column(2).is_null(0));
        }
        // Only up to the last tag asked for: no more bytes than for a later tag.
        let early = Scan::new(&[Tag(0x0008, 0x0016)], false).unwrap();
        let late = Scan::new(&[Tag(0x0028, 0x1053)], false).unwrap();
        assert!(fetch(&early, &data).len() <= fetch(&late, &data).len());
    }

    #[test]
    fn a_failed_fetch_is_an_error_row_and_order_is_kept() {
        let scan = Scan::new(&tags(), true).unwrap();
        let data = sample();
        let inputs = vec![
            Input::Fetched(Fetched {
                path: "s3://b/gone.dcm".into(),
                size: Some(10),
                mtime: Some(5),
                bytes: Err("s3://b/gone.dcm: no such file".into()),
            }),
            Input::File("/missing/local.dcm".into()),
            fetched("https://h/x.dcm", data.len(), fetch(&scan, &data)),
        ];
        let batches = scan.input_batches(&inputs).unwrap();
        let b = &batches[0];
        let paths = b.column(0).as_string::<i32>();
        let errors = b.column(2).as_string::<i32>();
        assert_eq!(paths.value(0), "s3://b/gone.dcm");
        assert_eq!(errors.value(0), "s3://b/gone.dcm: no such file");
        assert!(b.column(1).is_null(0));
        assert!(errors.value(1).contains("/missing/local.dcm"));
        assert!(errors.is_null(2));
        assert_eq!(paths.value(2), "https://h/x.dcm");
        let size = b.column(1).as_primitive::<Int64Type>();
        assert_eq!(size.value(2), data.len() as i64);
        let mtime = b.column(b.num_columns() - 1);
        let mtime = mtime.as_primitive::<arrow_array::types::TimestampNanosecondType>();
        assert_eq!(mtime.value(0), 5);
        assert!(mtime.is_null(2));
    }

    #[test]
    fn short_and_unknown_sizes() {
        let scan = Scan::new(&tags(), false).unwrap();
        let data = sample();
        // Not DICOM: the push parser gives up at once, the row is an error.
        assert_eq!(scan.wanted(&[0u8; 200], None), None);
        // A cut header with no size known: more is asked for, at least FIRST_REQUEST.
        let want = scan.wanted(&data[..300], None).unwrap();
        assert!(want >= FIRST_REQUEST);
        // The whole (short) file is always enough.
        assert_eq!(scan.wanted(&data[..300], Some(300)), None);
        let row = one(&scan, fetched("x", 300, data[..300].to_vec()));
        assert!(!row.column(2).is_null(0));
    }

    /// Seeded mutations of a real file: `wanted` always grows the request or stops, nothing
    /// panics, and a row from the bytes held equals the row from the whole (mutated) bytes,
    /// but for an error row of a header cut at its defect.
    #[test]
    fn mutated_files_scan_from_prefixes_like_whole_files() {
        let scan = Scan::new(&tags(), false).unwrap();
        let base = sample();
        let mut seed: u64 = 0x5eed_0015;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n.max(1)
        };
        let header = 2048.min(base.len());
        let mut same = 0;
        for _ in 0..300 {
            let mut data = base.clone();
            for _ in 0..1 + next(4) {
                let at = next(header);
                data[at] = next(256) as u8;
            }
            if next(5) == 0 {
                data.truncate(next(data.len()));
            }
            let held = fetch(&scan, &data);
            let got = one(&scan, fetched("m", data.len(), held.clone()));
            let whole = one(&scan, fetched("m", data.len(), data.clone()));
            if got == whole {
                same += 1;
            } else {
                assert!(held.len() < data.len() && !got.column(2).is_null(0));
            }
        }
        assert!(same > 200, "{same} of 300 rows equal");
    }
}
