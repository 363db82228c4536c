//! Differential tests: the native decoder against OpenJPEG 2.5 (`openjpeg-sys`).
//!
//! * `sweep_matches_openjpeg`: a deterministic sweep over encoder parameters. Each case is
//!   encoded by OpenJPEG, decoded by OpenJPEG and by [`rs_dicom_j2k::decode`], and the component
//!   data must be identical (also for the irreversible 9/7 path). Environment variables:
//!   - `J2K_CASE=123` (or `1,5,9` or `100..120`): run only these seeds, print their full
//!     parameters and write their codestreams to the temporary directory;
//!   - `J2K_CASES=N`: number of seeds of the sweep (default [`DEFAULT_CASES`]);
//!   - `J2K_DUMP_DIR=dir`: write every case's codestream there (`case_<seed>.j2k`);
//!   - `J2K_TRACE=1`: name each case on stderr before running it.
//!
//!   A failing case's codestream is always written to the temporary directory.
//! * `opj_encoder_round_trips_lossless`: checks the harness itself (the encoder wrapper and
//!   the OpenJPEG decoder wrapper give back the original samples for lossless settings).
//! * `robustness_truncation_and_corruption`: truncated and corrupted codestreams never make
//!   the native decoder panic or hang; errors carry a message.
//! * `corpus_matches_openjpeg`: `J2K_CORPUS_DIR=dir` compares every `*.j2k`, `*.j2c`,
//!   `*.jpc`, `*.jp2c` and `*.jp2` file under `dir` (skipped when unset).
//! * `dicom_files_match_openjpeg`: the JPEG 2000 frames of pydicom's test files (and of
//!   pydicom-data's, when installed) in the project's `.venv`, plus `J2K_DICOM_DIR=dir`.

mod cases;
mod corpus;
// OpenJPEG's encoder through its C API.
#[allow(unsafe_code)]
mod encode;
mod htj2k;
mod params;
// OpenJPEG's decoder through its C API.
#[allow(unsafe_code)]
mod reference;
mod robustness;
mod sweep;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use rs_dicom_j2k::{Error as NativeError, Image, decode};

// The pieces of the harness, visible to every part of it (`use super::*`).
use crate::pixel::test_rng::*;
use cases::*;
use params::*;
use reference::*;

/// Seeds run by the sweep unless `J2K_CASES` says otherwise.
const DEFAULT_CASES: u64 = 300;
/// Longest a single native decode may take (debug build) before the test calls it a hang.
const NATIVE_TIMEOUT: Duration = Duration::from_secs(60);

/// What the native decoder did with one codestream.
#[derive(Debug)]
enum NativeRun {
    Done(Result<Image, NativeError>),
    Panicked(String),
    TimedOut,
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// Runs `decode` on its own thread, catching panics, giving up after `timeout` (the thread
/// is then left running; the test fails anyway).
fn run_native(cs: Arc<[u8]>, timeout: Duration) -> (NativeRun, Duration) {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    let spawned = std::thread::Builder::new()
        .name("j2k-native".into())
        .spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(|| decode(&cs)));
            let _ = tx.send(r.map_err(|p| panic_text(&*p)));
        });
    if let Err(e) = spawned {
        panic!("could not start a decoder thread: {e}");
    }
    let run = match rx.recv_timeout(timeout) {
        Ok(Ok(r)) => NativeRun::Done(r),
        Ok(Err(msg)) => NativeRun::Panicked(msg),
        Err(_) => NativeRun::TimedOut,
    };
    (run, start.elapsed())
}

/// Exact comparison of the native result with OpenJPEG's; the error describes every
/// difference (per component: differing samples, max |diff|, first position).
fn compare(native: &Image, reference: &OpjImage) -> Result<(), String> {
    let mut errs = Vec::new();
    if (native.width, native.height) != (reference.width, reference.height) {
        errs.push(format!(
            "size {}x{} (OpenJPEG {}x{})",
            native.width, native.height, reference.width, reference.height
        ));
    }
    if native.components.len() != reference.comps.len() {
        errs.push(format!(
            "{} components (OpenJPEG {})",
            native.components.len(),
            reference.comps.len()
        ));
    }
    if native.mct != reference.mct {
        errs.push(format!("mct {} (OpenJPEG {})", native.mct, reference.mct));
    }
    for (i, (n, r)) in native.components.iter().zip(&reference.comps).enumerate() {
        if n.precision != r.precision || n.signed != r.signed {
            errs.push(format!(
                "component {i}: precision {} signed {} (OpenJPEG {} {})",
                n.precision, n.signed, r.precision, r.signed
            ));
        }
        if n.data.len() != r.data.len() {
            errs.push(format!(
                "component {i}: {} samples (OpenJPEG {} = {}x{})",
                n.data.len(),
                r.data.len(),
                r.w,
                r.h
            ));
            continue;
        }
        let mut count = 0usize;
        let mut max = 0i64;
        let mut first = None;
        for (k, (&a, &b)) in n.data.iter().zip(&r.data).enumerate() {
            if a != b {
                count += 1;
                max = max.max((i64::from(a) - i64::from(b)).abs());
                first.get_or_insert((k, a, b));
            }
        }
        if let Some((k, a, b)) = first {
            let w = r.w.max(1) as usize;
            errs.push(format!(
                "component {i}: {count} of {} samples differ, max |diff| {max}, first at \
                 (x {}, y {}): native {a}, OpenJPEG {b}",
                r.data.len(),
                k % w,
                k / w
            ));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// The sample range of a component.
fn sample_range(precision: u32, signed: bool) -> (i64, i64) {
    let p = precision.clamp(1, 38);
    if signed {
        (-(1i64 << (p - 1)), (1i64 << (p - 1)) - 1)
    } else {
        (0, (1i64 << p) - 1)
    }
}

/// Checks that an `Ok` result is internally consistent (sizes, precision range).
fn check_consistent(img: &Image) -> Result<(), String> {
    let n = img.width as usize * img.height as usize;
    for (i, c) in img.components.iter().enumerate() {
        if c.data.len() != n {
            return Err(format!(
                "component {i} has {} samples for a {}x{} image",
                c.data.len(),
                img.width,
                img.height
            ));
        }
        if c.precision == 0 || c.precision > 38 {
            return Err(format!("component {i} has precision {}", c.precision));
        }
        let (lo, hi) = sample_range(c.precision, c.signed);
        if let Some(v) = c
            .data
            .iter()
            .find(|&&v| i64::from(v) < lo || i64::from(v) > hi)
        {
            return Err(format!(
                "component {i} ({} bit, signed {}) has sample {v} outside [{lo}, {hi}]",
                c.precision, c.signed
            ));
        }
    }
    Ok(())
}

fn dump(name: &str, data: &[u8]) -> Option<PathBuf> {
    let dir = std::env::var_os("J2K_DUMP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    std::fs::write(&path, data).ok().map(|_| path)
}
