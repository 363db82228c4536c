//! Real files: a corpus of codestreams and the JPEG 2000 frames of DICOM files.

use super::*;

/// The contiguous codestream of a JP2 file (from its `jp2c` box to the end), or the input
/// when it is not JP2.
pub(super) fn raw_codestream(b: &[u8]) -> &[u8] {
    match rs_dicom_j2k::jp2_codestream(b) {
        Ok(Some(start)) => b.get(start..).unwrap_or_default(),
        _ => b,
    }
}

/// Compares the two decoders on one codestream from a file.
#[derive(Default)]
pub(super) struct FileStats {
    pub(super) compared: usize,
    pub(super) identical: usize,
    pub(super) opj_failed: usize,
    pub(super) unsupported: BTreeMap<String, Vec<String>>,
    pub(super) failures: Vec<String>,
}

impl FileStats {
    pub(super) fn check(&mut self, what: &str, cs: &[u8]) {
        let reference = match opj_decode(cs) {
            Ok(r) => r,
            Err(e) => {
                println!("  {what}: OpenJPEG cannot decode it ({e}); skipped");
                self.opj_failed += 1;
                return;
            }
        };
        self.compared += 1;
        let (run, took) = run_native(cs.into(), NATIVE_TIMEOUT);
        match run {
            NativeRun::Done(Ok(img)) => match compare(&img, &reference) {
                Ok(()) => {
                    self.identical += 1;
                    println!("  {what}: identical ({took:.1?})");
                }
                Err(e) => self.failures.push(format!("{what}: {e}")),
            },
            NativeRun::Done(Err(e)) if e.is_unsupported() => {
                println!("  {what}: Unsupported({:?})", e.message);
                self.unsupported
                    .entry(e.message.into_owned())
                    .or_default()
                    .push(what.to_string());
            }
            NativeRun::Done(Err(e)) => self
                .failures
                .push(format!("{what}: Malformed({e}) but OpenJPEG decodes it")),
            NativeRun::Panicked(m) => self.failures.push(format!("{what}: panicked: {m}")),
            NativeRun::TimedOut => self.failures.push(format!("{what}: timed out")),
        }
    }

    pub(super) fn finish(self, label: &str) {
        println!(
            "{label}: {} compared, {} identical, {} not decodable by OpenJPEG, unsupported {:?}, \
             {} failed",
            self.compared,
            self.identical,
            self.opj_failed,
            self.unsupported
                .iter()
                .map(|(r, v)| (r, v.len()))
                .collect::<Vec<_>>(),
            self.failures.len()
        );
        for f in &self.failures {
            println!("  FAIL {f}");
        }
        assert!(
            self.failures.is_empty(),
            "{label}: {} file(s) differ; first: {}",
            self.failures.len(),
            self.failures[0]
        );
    }
}

/// All files under `dir` (recursively), sorted.
pub(super) fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn corpus_matches_openjpeg() {
    let Some(dir) = std::env::var_os("J2K_CORPUS_DIR") else {
        println!("J2K_CORPUS_DIR not set: corpus comparison skipped");
        return;
    };
    let mut stats = FileStats::default();
    for path in walk(Path::new(&dir)) {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !matches!(ext.as_str(), "j2k" | "j2c" | "jpc" | "jp2c" | "jp2") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        stats.check(&path.display().to_string(), raw_codestream(&bytes));
    }
    stats.finish("rs_dicom_j2k corpus");
}

/// Directories with DICOM test files: pydicom's and pydicom-data's in the project's
/// virtual environment, and `J2K_DICOM_DIR`.
pub(super) fn dicom_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/lib");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let site = e.path().join("site-packages");
            for sub in ["pydicom/data/test_files", "data_store/data"] {
                let d = site.join(sub);
                if d.is_dir() {
                    dirs.push(d);
                }
            }
        }
    }
    if let Some(d) = std::env::var_os("J2K_DICOM_DIR") {
        dirs.push(PathBuf::from(d));
    }
    dirs
}

#[test]
fn dicom_files_match_openjpeg() {
    use crate::core::Tag;
    use crate::pixel::{PixelDescription, encapsulated_frames, frame_bytes};

    let dirs = dicom_dirs();
    if dirs.is_empty() {
        // Under CI the test command installs pydicom and pydicom-data first.
        assert!(
            std::env::var("CI").is_err(),
            "pydicom's test files are required under CI"
        );
        println!("no DICOM test file directories found: skipped");
        return;
    }
    let mut stats = FileStats::default();
    for path in dirs.iter().flat_map(|d| walk(d)) {
        let Ok(file) = crate::parser::parse_file(&path) else {
            continue;
        };
        let ts = file.transfer_syntax_uid.as_deref().unwrap_or("");
        if !matches!(ts, "1.2.840.10008.1.2.4.90" | "1.2.840.10008.1.2.4.91") {
            continue;
        }
        let ds = &file.dataset;
        let (Ok(desc), Some(elem)) = (PixelDescription::from_dataset(ds), ds.get(Tag::PIXEL_DATA))
        else {
            continue;
        };
        let Ok(frames) = encapsulated_frames(ds, elem, desc.number_of_frames as usize) else {
            println!("  {}: cannot split the frames; skipped", path.display());
            continue;
        };
        // A few frames per file keep the debug-build run short.
        for i in 0..frames.frames.len().min(3) {
            let Ok(bytes) = frame_bytes(ds, elem, &frames, i) else {
                continue;
            };
            let what = format!("{} frame {i}", path.display());
            stats.check(&what, raw_codestream(&bytes));
        }
    }
    stats.finish("rs_dicom_j2k DICOM files");
}
