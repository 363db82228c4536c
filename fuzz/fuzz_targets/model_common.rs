//! Shared body of the model fuzz targets (from_json, from_xml): the first byte picks the
//! validation (0 strict, 1 warn, 2 and up off), the rest is the document. Reading may fail
//! but must never panic, hang or run out of memory; a dataset read must write back, and
//! what it writes must read again and write the same text (a fixed point after one round).

use rs_dicom::core::Dataset;
use rs_dicom::model::{BuildOptions, Validation};

/// Reads `data` with `read` and checks the round trip through `write`.
pub fn run(
    data: &[u8],
    read: impl Fn(&[u8], BuildOptions) -> Option<Dataset>,
    write: impl Fn(&Dataset) -> String,
) {
    let Some((&flag, rest)) = data.split_first() else {
        return;
    };
    let validation = match flag % 3 {
        0 => Validation::Strict,
        1 => Validation::Warn,
        _ => Validation::Off,
    };
    let Some(ds) = read(rest, BuildOptions::new(validation)) else {
        return;
    };
    let first = write(&ds);
    let again = read(first.as_bytes(), BuildOptions::new(Validation::Off)).expect("reads back");
    assert_eq!(first, write(&again));
}
