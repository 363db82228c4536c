//! Times parsing of the files given on the command line (in-memory, no I/O), for profiling.

use std::sync::Arc;
use std::time::Instant;

use rs_dicom::parser::{ReadOptions, Source, parse_source};

fn main() {
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20000);
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let src = Arc::new(Source::Owned(bytes));
        let opts = ReadOptions {
            stop_before_pixels: true,
            force: false,
            ..Default::default()
        };
        let t = Instant::now();
        let mut count = 0;
        for _ in 0..n {
            if let Ok(f) = parse_source(src.clone(), opts) {
                count += f.len();
            }
        }
        let per = t.elapsed().as_secs_f64() / n as f64 * 1e6;
        println!("{path}: {per:.2} us/parse ({} elements)", count / n);
    }
}
