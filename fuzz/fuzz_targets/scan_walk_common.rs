//! The scan's header walk against the core reader, shared by the `scan_walk` fuzz target and
//! the seeded test `rust/rs_dicom_scan/tests/fuzz_scan_walk.rs` (which includes this file).
//!
//! Byte 0 of the input picks the columns and options; the rest is a file's bytes. Written to
//! a file, its row from `Scan::batch` (which walks explicit VR little endian headers itself and
//! leaves the rest to the core reader) must equal, column by column, the row the core reader
//! alone gives (`Scan::core_batch`), error rows and their messages included. Nothing may
//! panic.
//!
//! Bits of byte 0: 0 a late tag and a 6-valued DS (the walk goes past most of the header);
//! 1 an "US or SS" tag (read up to Pixel Representation); 2 dates, times and a date-time;
//! 3 a private tag and a tag after the usual sequences (sequences skipped on the way);
//! 4 the modification time column; 5 file meta tags; 6 integer columns, multi-valued IS and
//! US; 7 more text (a PN, a multi-valued CS) and an "US or SS" multi-valued tag.

use std::path::Path;

use arrow_array::Array;
use rs_dicom::core::Tag;
use rs_dicom_scan::Scan;

/// The columns byte 0 picks.
pub fn tags(flags: u8) -> Vec<Tag> {
    let mut t = vec![(0x0008, 0x0018), (0x0020, 0x0032)];
    let mut add = |bit: u8, more: &[(u16, u16)]| {
        if flags & (1 << bit) != 0 {
            t.extend_from_slice(more);
        }
    };
    add(0, &[(0x0028, 0x1053), (0x0020, 0x0037)]);
    add(1, &[(0x0018, 0x9810)]);
    add(
        2,
        &[
            (0x0008, 0x0020),
            (0x0008, 0x0030),
            (0x0008, 0x002A),
            (0x0010, 0x0030),
        ],
    );
    add(3, &[(0x0029, 0x1010), (0x0040, 0x0244), (0x0032, 0x1060)]);
    add(5, &[(0x0002, 0x0010), (0x0002, 0x0013)]);
    add(
        6,
        &[
            (0x0020, 0x0013),
            (0x0028, 0x0034),
            (0x0018, 0x1310),
            (0x0028, 0x0010),
        ],
    );
    add(
        7,
        &[
            (0x0008, 0x0060),
            (0x0008, 0x0008),
            (0x0010, 0x1010),
            (0x0028, 0x1101),
        ],
    );
    t.into_iter().map(|(g, e)| Tag(g, e)).collect()
}

/// The scan byte 0 picks.
pub fn scan(flags: u8) -> Scan {
    match Scan::new(&tags(flags), flags & 0x10 != 0) {
        Ok(s) => s,
        Err(e) => panic!("columns of flags {flags:#x}: {e}"),
    }
}

/// One input, its file written at `path`: returns whether the walk gave the row.
pub fn run(data: &[u8], path: &Path) -> bool {
    let Some((&flags, file)) = data.split_first() else {
        return false;
    };
    check(&scan(flags), file, path)
}

/// The check for one file's bytes: the walked row equals the core reader's.
pub fn check(scan: &Scan, file: &[u8], path: &Path) -> bool {
    if let Err(e) = std::fs::write(path, file) {
        panic!("cannot write {}: {e}", path.display());
    }
    let paths = [path.to_string_lossy().into_owned()];
    let (got, want) = match (scan.batch(&paths), scan.core_batch(&paths)) {
        (Ok(g), Ok(w)) => (g, w),
        (g, w) => panic!("a batch failed: {:?} {:?}", g.err(), w.err()),
    };
    // Removed, not overwritten: ext4 flushes a file truncated and written again on close,
    // which would make every input wait for the disk.
    let _ = std::fs::remove_file(path);
    assert_eq!(got.len(), 1);
    assert_eq!(got.num_columns(), want.num_columns());
    for c in 0..got.num_columns() {
        assert_eq!(
            got.column(c),
            want.column(c),
            "column {c} ({})",
            scan.fields()[c].name()
        );
    }
    scan.walks(file)
}
