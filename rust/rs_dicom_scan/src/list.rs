//! The files of a folder, as `rs_dicom.scan` lists them (its Python `_walk`): each folder's
//! entries sorted by name, files (symbolic links followed) in that order, sub-folders listed
//! in their place when recursive. Sub-folders are listed in parallel on the current rayon
//! pool, so a folder of many series is not listed by one core while the others wait.

use std::io;

use arrow_array::StructArray;
use rayon::prelude::*;

use crate::Scan;

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

impl Scan {
    /// The rows of the files under `dir` (in [`list_files`] order) read on the current rayon
    /// pool: the folders are listed in parallel, then the files read in batches of
    /// contiguous paths (a few per thread: each batch costs Python a conversion, however
    /// small). Listing errors as [`list_files`]'s; an Arrow error is `io::ErrorKind::Other`.
    pub fn dir_batches(&self, dir: &str, recursive: bool) -> io::Result<Vec<StructArray>> {
        let files = list_files(dir, recursive)?;
        self.batches(&files).map_err(io::Error::other)
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
}
