//! Files written whole or not at all: a temporary file beside the target, renamed over it
//! once every byte was written. A failed write (a full disk, an error, a crash of the
//! process) never leaves a half-written file, and the source file (which may be
//! memory-mapped by a reader) is never written into: its inode is replaced, not changed, so
//! maps of it stay valid.
//!
//! The temporary file is not `fsync`ed before the rename: that would make saving bound by the
//! disk's flushes, many times slower than copying the file (pydicom, DCMTK and
//! `shutil.copyfile` do not sync either). Against a power loss the file systems that matter
//! flush a file renamed over another before the rename (ext4's `auto_da_alloc`, XFS, btrfs).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{DicomError, ErrorKind, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = format!(".{name}.{}.{n}.tmp", std::process::id());
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(tmp),
        _ => PathBuf::from(tmp),
    }
}

/// Writes `path` through `write`: everything or nothing. With `overwrite` false an existing
/// `path` is an error (and is left alone).
pub fn write_atomically(
    path: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    if !overwrite && path.exists() {
        return Err(exists(path));
    }
    let tmp = temp_path(path);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| DicomError::io_path(&e, "cannot write", path))?;
    let result = (|| {
        // Small pieces (headers, changed values) are gathered; a large untouched run (pixel
        // data) is longer than the buffer and goes straight from the source to the file.
        let mut out = BufWriter::with_capacity(64 << 10, file);
        write(&mut out)?;
        // Flushed and closed before the rename.
        drop(
            out.into_inner()
                .map_err(|e| DicomError::io_path(e.error(), "cannot write", path))?,
        );
        if let Ok(meta) = std::fs::metadata(path) {
            // Replacing a file keeps its permissions.
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        if overwrite {
            std::fs::rename(&tmp, path).map_err(|e| DicomError::io_path(&e, "cannot write", path))
        } else {
            // A hard link fails if the name was taken meanwhile: never replace then.
            std::fs::hard_link(&tmp, path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    exists(path)
                } else {
                    DicomError::io_path(&e, "cannot write", path)
                }
            })?;
            std::fs::remove_file(&tmp).map_err(|e| DicomError::io_path(&e, "cannot write", path))
        }
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn exists(path: &Path) -> DicomError {
    let mut e = DicomError::new(
        ErrorKind::Io,
        None,
        "",
        format!("{} exists (overwrite=False)", path.display()),
    );
    e.os_error = Some((17, path.to_string_lossy().into_owned()));
    e
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes_atomically(path: &Path, overwrite: bool, bytes: &[u8]) -> Result<()> {
    write_atomically(path, overwrite, |out| {
        out.write_all(bytes)
            .map_err(|e| DicomError::io_path(&e, "cannot write", path))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_or_nothing() {
        let dir = std::env::temp_dir().join(format!("rs_dicom_atomic_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.dcm");
        write_bytes_atomically(&path, true, b"first").unwrap();
        let err = write_atomically(&path, true, |out| {
            out.write_all(b"half").unwrap();
            Err(DicomError::new(ErrorKind::Write, None, "", "failed"))
        })
        .unwrap_err();
        assert_eq!(err.message, "failed");
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert!(write_bytes_atomically(&path, false, b"second").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
        std::fs::remove_dir_all(&dir).ok();
    }
}
