//! The files of a folder, as `rs_dicom.scan` lists them (its Python `_walk`): each folder's
//! entries sorted by name, files (symbolic links followed) in that order, sub-folders listed
//! in their place when recursive. Sub-folders are listed in parallel on the current rayon
//! pool, so a folder of many series is not listed by one core while the others wait.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::StructArray;
use rayon::prelude::*;

use crate::Scan;
use crate::builder::BatchBuilder;

/// What an entry is, symbolic links followed (a broken link is neither).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Other,
}

fn kind(entry: &std::fs::DirEntry, path: &str) -> Kind {
    let of = |t: std::fs::FileType| {
        if t.is_file() {
            Kind::File
        } else if t.is_dir() {
            Kind::Dir
        } else {
            Kind::Other
        }
    };
    match entry.file_type() {
        Ok(t) if !t.is_symlink() => of(t),
        _ => std::fs::metadata(path).map_or(Kind::Other, |m| of(m.file_type())),
    }
}

/// The files under `dir` (its paths are `dir` joined with each name by `/`, as `os.scandir`
/// makes them). An entry whose name is not UTF-8 is an error (`InvalidData`): the caller
/// lists such folders its own way.
pub fn list_files(dir: &str, recursive: bool) -> io::Result<Vec<String>> {
    let entries = entries(dir)?;
    if !recursive || entries.iter().all(|e| e.2 != Kind::Dir) {
        return Ok(entries
            .into_iter()
            .filter(|e| e.2 == Kind::File)
            .map(|e| e.1)
            .collect());
    }
    let parts = entries
        .into_par_iter()
        .map(|(_, path, k)| match k {
            Kind::File => Ok(vec![path]),
            Kind::Dir => list_files(&path, recursive),
            Kind::Other => Ok(Vec::new()),
        })
        .collect::<io::Result<Vec<Vec<String>>>>()?;
    Ok(parts.concat())
}

/// A folder's entries sorted by name: name, path and kind.
fn entries(dir: &str) -> io::Result<Vec<(String, String, Kind)>> {
    let sep = if dir.ends_with('/') || dir.is_empty() {
        ""
    } else {
        "/"
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().into_string().map_err(|n| {
            io::Error::new(io::ErrorKind::InvalidData, format!("{n:?} is not UTF-8"))
        })?;
        let path = format!("{dir}{sep}{name}");
        let k = kind(&entry, &path);
        entries.push((name, path, k));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// An entry still to read, in listing order: a file, or a folder not yet listed.
enum Unit {
    File(String),
    Dir(String),
}

/// The top-level entries of `dir` as units (sub-folders only when `recursive`).
fn units(dir: &str, recursive: bool) -> io::Result<Vec<Unit>> {
    Ok(entries(dir)?
        .into_iter()
        .filter_map(|(_, path, k)| match k {
            Kind::File => Some(Unit::File(path)),
            Kind::Dir if recursive => Some(Unit::Dir(path)),
            _ => None,
        })
        .collect())
}

/// Sub-folders per thread below which a level more is listed before they are shared out
/// (one folder per patient, say, is too coarse to keep every thread busy to the end).
const TASKS_PER_THREAD: usize = 16;
/// Levels of sub-folders listed ahead to find enough of them to share out.
const MAX_EXPAND: usize = 4;
/// The most rows of a batch read by one worker from several folders (memory is the table's
/// anyway; the fewer batches, the shorter the import: about 0.1 ms each, after the threads
/// are done).
const GROUP_ROWS: usize = 4 * crate::MAX_CHUNK;

impl Scan {
    /// The rows of the files under `dir` (in [`list_files`] order) read on the current rayon
    /// pool. Sub-folders are shared out whole: each worker claims runs of them and reads their
    /// files as listed, so reading starts without waiting for the whole listing, two workers
    /// do not open files in the same folder, and the batches stay few (a folder with many
    /// files is read by all the threads, as a plain list is). Listing errors as
    /// [`list_files`]'s, once the files listed before are read; an Arrow error is
    /// `io::ErrorKind::Other`.
    pub fn dir_batches(&self, dir: &str, recursive: bool) -> io::Result<Vec<StructArray>> {
        let threads = rayon::current_num_threads().max(1);
        let want = threads * TASKS_PER_THREAD;
        let mut units = units(dir, recursive)?;
        let dirs = |u: &[Unit]| u.iter().filter(|u| matches!(u, Unit::Dir(_))).count();
        // Too few sub-folders to share out (one folder per patient, say): list a level more.
        for _ in 0..MAX_EXPAND {
            let n = dirs(&units);
            if n == 0 || n >= want {
                break;
            }
            let parts = units
                .into_par_iter()
                .map(|u| match u {
                    Unit::Dir(d) => self::units(&d, true),
                    file => Ok(vec![file]),
                })
                .collect::<io::Result<Vec<Vec<Unit>>>>()?;
            units = parts.into_iter().flatten().collect();
        }
        let n = dirs(&units);
        if n == 0 {
            let files: Vec<String> = units
                .into_iter()
                .filter_map(|u| match u {
                    Unit::File(p) => Some(p),
                    Unit::Dir(_) => None,
                })
                .collect();
            return self.batches(&files).map_err(io::Error::other);
        }
        // Each worker claims runs of whole units and reads each into batches of its own (see
        // `Claims`): the first runs are long, so the batches stay few, and the last are one
        // unit, so the workers end within one folder of each other. (A rayon fold over the
        // units cannot do this: it cuts the units only where a thread steals, and a run it has
        // begun is not cut, so one worker could be left alone with a quarter of the folders.)
        let claims = Claims::new(units.len(), threads);
        let mut done: Vec<(usize, io::Result<Vec<StructArray>>)> = rayon::broadcast(|_| {
            let mut mine = Vec::new();
            while let Some(range) = claims.next() {
                let start = range.start;
                let read = units[range].iter().try_fold(Run::new(self), |mut run, u| {
                    run.add(self, u)?;
                    io::Result::Ok(run)
                });
                let read = read.and_then(|run| run.finish(self));
                let failed = read.is_err();
                mine.push((start, read));
                if failed {
                    claims.stop();
                    break;
                }
            }
            mine
        })
        .into_iter()
        .flatten()
        .collect();
        // Runs were claimed in order and each is finished by its worker, so every run before
        // the first that failed is here.
        done.sort_unstable_by_key(|d| d.0);
        let mut out = Vec::new();
        for (_, read) in done {
            out.extend(read?);
        }
        Ok(out)
    }
}

/// Contiguous runs of `n` units handed out in order to the workers that ask (guided
/// self-scheduling): each run is about a `2 × threads`-th of what is left, at least one unit.
struct Claims {
    next: AtomicUsize,
    n: usize,
    parts: usize,
}

impl Claims {
    fn new(n: usize, threads: usize) -> Self {
        Claims {
            next: AtomicUsize::new(0),
            n,
            parts: 2 * threads.max(1),
        }
    }

    /// The next run, or None when all are handed out (or a run failed).
    fn next(&self) -> Option<std::ops::Range<usize>> {
        let mut start = self.next.load(Ordering::Relaxed);
        loop {
            if start >= self.n {
                return None;
            }
            let end = start + ((self.n - start) / self.parts).max(1);
            match self
                .next
                .compare_exchange_weak(start, end, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some(start..end),
                Err(now) => start = now,
            }
        }
    }

    /// Hands out no more runs.
    fn stop(&self) {
        self.next.store(self.n, Ordering::Relaxed);
    }
}

/// The batches of a run of units read by one worker, in order.
struct Run<'s> {
    out: Vec<StructArray>,
    b: BatchBuilder<'s>,
    rows: usize,
}

impl<'s> Run<'s> {
    fn new(scan: &'s Scan) -> Self {
        Run {
            out: Vec::new(),
            b: scan.builder(),
            rows: 0,
        }
    }

    /// Reads a unit's files; a folder of many files is read in parallel (its own batches,
    /// jobs that workers done with their runs take), so one large folder is not left to one.
    fn add(&mut self, scan: &'s Scan, u: &Unit) -> io::Result<()> {
        let listed;
        let files: &[String] = match u {
            Unit::File(p) => std::slice::from_ref(p),
            Unit::Dir(d) => {
                listed = list_files(d, true)?;
                &listed
            }
        };
        if files.len() > 2 * crate::MAX_CHUNK {
            self.flush(scan)?;
            self.out
                .extend(scan.batches(files).map_err(io::Error::other)?);
            return Ok(());
        }
        for p in files {
            if self.rows == GROUP_ROWS {
                self.flush(scan)?;
            }
            scan.file_row(&mut self.b, p);
            self.rows += 1;
        }
        Ok(())
    }

    /// Ends the current batch (if it has rows) and starts the next.
    fn flush(&mut self, scan: &'s Scan) -> io::Result<()> {
        if self.rows > 0 {
            let done = std::mem::replace(&mut self.b, scan.builder());
            self.out.push(done.finish().map_err(io::Error::other)?);
            self.rows = 0;
        }
        Ok(())
    }

    fn finish(mut self, scan: &'s Scan) -> io::Result<Vec<StructArray>> {
        self.flush(scan)?;
        Ok(self.out)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_listed_sorted_and_depth_first() {
        let root = std::env::temp_dir().join(format!("rs_dicom_scan_list_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["b", "a/z", "a/y"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        for f in ["c", "b/1", "a/2", "a/z/3", "a/y/4", "a0"] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        let dir = root.to_string_lossy().into_owned();
        let got = list_files(&dir, true).unwrap();
        let names: Vec<&str> = got.iter().map(|p| &p[dir.len() + 1..]).collect();
        assert_eq!(names, ["a/2", "a/y/4", "a/z/3", "a0", "b/1", "c"]);
        let flat = list_files(&format!("{dir}/"), false).unwrap();
        assert_eq!(flat, [format!("{dir}/a0"), format!("{dir}/c")]);
        assert!(list_files(&format!("{dir}/missing"), true).is_err());
        // Read as listed: the rows of the paths listed.
        let scan = Scan::new(&[rs_dicom::core::Tag(0x0010, 0x0010)], false).unwrap();
        let rows = |batches: Vec<StructArray>| {
            let mut paths = Vec::new();
            for b in batches {
                let p = arrow_array::cast::AsArray::as_string::<i32>(b.column(0));
                paths.extend(p.iter().map(|v| v.unwrap_or_default().to_string()));
            }
            paths
        };
        assert_eq!(rows(scan.dir_batches(&dir, true).unwrap()), got);
        assert_eq!(
            rows(scan.dir_batches(&dir, false).unwrap()),
            list_files(&dir, false).unwrap()
        );
        assert!(scan.dir_batches(&format!("{dir}/missing"), true).is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn claims_cover_the_units_in_order_long_runs_first() {
        for (n, threads) in [(0, 2), (1, 2), (7, 1), (200, 2), (1000, 8)] {
            let claims = Claims::new(n, threads);
            let mut runs = Vec::new();
            while let Some(r) = claims.next() {
                runs.push(r);
            }
            let mut at = 0;
            for r in &runs {
                assert_eq!(r.start, at, "{n} units, {threads} threads: {runs:?}");
                assert!(r.end > r.start);
                at = r.end;
            }
            assert_eq!(at, n);
            assert!(runs.windows(2).all(|w| w[0].len() >= w[1].len()));
            // Few runs (few batches), the last ones a unit each (workers end together).
            assert!(runs.len() <= 2 * threads * (n.max(2).ilog2() as usize + 2) + 2 * threads);
            if n >= 2 * threads {
                assert_eq!(runs.last().map(|r| r.len()), Some(1));
            }
        }
        let claims = Claims::new(100, 2);
        assert!(claims.next().is_some());
        claims.stop();
        assert_eq!(claims.next(), None);
    }

    #[test]
    fn folders_shared_out_keep_the_listing_order() {
        let root = std::env::temp_dir().join(format!("rs_dicom_scan_group_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        // Files between sub-folders, folders in folders, empty folders, one folder of more
        // files than a task reads alone, and a single folder at the top (listed ahead).
        let top = root.join("only");
        for d in 0..45 {
            let sub = top.join(format!("d{d:02}"));
            std::fs::create_dir_all(sub.join("inner")).unwrap();
            std::fs::create_dir_all(sub.join("empty")).unwrap();
            for f in 0..(d % 4) {
                std::fs::write(sub.join(format!("f{f}")), b"x").unwrap();
                std::fs::write(sub.join("inner").join(format!("g{f}")), b"x").unwrap();
            }
            std::fs::write(top.join(format!("d{d:02}_file")), b"x").unwrap();
        }
        let big = top.join("d07");
        for f in 0..(2 * crate::MAX_CHUNK + 5) {
            std::fs::write(big.join(format!("many{f:05}")), b"x").unwrap();
        }
        let scan = Scan::new(&[rs_dicom::core::Tag(0x0010, 0x0010)], false).unwrap();
        let paths = |batches: Vec<StructArray>| {
            let mut paths = Vec::new();
            for b in batches {
                let p = arrow_array::cast::AsArray::as_string::<i32>(b.column(0));
                paths.extend(p.iter().map(|v| v.unwrap_or_default().to_string()));
            }
            paths
        };
        for dir in [root.clone(), top.clone(), big.clone()] {
            let dir = dir.to_string_lossy().into_owned();
            let want = list_files(&dir, true).unwrap();
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let got = pool.install(|| scan.dir_batches(&dir, true)).unwrap();
                assert_eq!(paths(got), want, "{dir} on {threads} threads");
            }
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
}
