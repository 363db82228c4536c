//! Times header reads (stop_before_pixels) of the files given on the command line, for
//! profiling the I/O + parse path without Python.

use std::time::Instant;

use rs_dicom::parser::{ReadOptions, parse_file_with};

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let opts = ReadOptions {
        stop_before_pixels: true,
        force: false,
        ..Default::default()
    };
    for _ in 0..3 {
        let t = Instant::now();
        let mut n = 0;
        for f in &files {
            if let Ok(d) = parse_file_with(f, opts) {
                n += d.len();
            }
        }
        let per = t.elapsed().as_secs_f64() / files.len() as f64 * 1e6;
        println!("{per:.2} us/file ({n} elements)");
    }
}
