//! The bytes a dataset's spans point into: a read file, a caller's buffer, or a memory map.
//!
//! A memory-mapped file can be changed by another program while it is mapped. The policy that
//! keeps that from crashing the process or silently changing what was already handed out:
//! - Files up to [`MMAP_THRESHOLD`] are read into memory: nothing can change under them.
//! - Larger files are mapped ([`MapPolicy::Auto`]): the parser reads the map, but whatever is
//!   handed out (values, pixel arrays) is a private copy made after [`Source::check`] found the
//!   file unchanged (same size and modification time) — so values already read never change.
//! - A process-wide SIGBUS guard (Unix) turns a read of a page the file no longer has into a
//!   read of zeros and marks the map as damaged; [`Source::check`] then reports the damage as
//!   [`crate::error::ErrorKind::SourceChanged`] instead of the process dying.
//! - [`MapPolicy::Always`] maps every file and hands out views of the map (zero-copy); the
//!   guard still keeps the process alive, but a rewrite shows through the views.
//! - [`MapPolicy::Never`] reads every file whole.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::error::{DicomError, Result};

/// Files larger than this are memory-mapped (with [`MapPolicy::Auto`]); smaller ones are read
/// into one buffer.
pub const MMAP_THRESHOLD: u64 = 4 << 20;

/// Whether a file is memory-mapped or read into memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MapPolicy {
    /// Files over [`MMAP_THRESHOLD`] are mapped; what is handed out from them is a copy.
    #[default]
    Auto,
    /// Always map, and hand out views of the map (zero-copy; a change to the file shows).
    Always,
    /// Never map: read the whole file into memory.
    Never,
}

/// Bytes owned by someone else (e.g. a Python buffer) that stay valid while this value lives.
pub trait ExternalBytes: Send + Sync {
    /// The bytes; must return the same slice for the whole lifetime of `self`.
    fn bytes(&self) -> &[u8];
}

/// The bytes a dataset's value spans point into; shared by `Arc`, never copied.
pub enum Source {
    /// A read-only memory map of a file.
    #[cfg(feature = "mmap")]
    Mmap(MappedFile),
    /// A buffer owned by us (a read file, an inflated deflated dataset, encoded data).
    Owned(Vec<u8>),
    /// Bytes owned by a caller, kept alive by the boxed owner.
    External(Box<dyn ExternalBytes>),
    /// A static byte slice (tests, embedded data).
    Static(&'static [u8]),
}

impl Source {
    /// The bytes.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        match self {
            #[cfg(feature = "mmap")]
            Source::Mmap(m) => m.bytes(),
            Source::Owned(v) => v,
            Source::External(e) => e.bytes(),
            Source::Static(s) => s,
        }
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// True for a memory-mapped file.
    pub fn is_mapped(&self) -> bool {
        match self {
            #[cfg(feature = "mmap")]
            Source::Mmap(_) => true,
            _ => false,
        }
    }

    /// True when views of these bytes may be handed out (everything but a file mapped with
    /// [`MapPolicy::Auto`], whose bytes are copied when handed out).
    pub fn shares_views(&self) -> bool {
        match self {
            #[cfg(feature = "mmap")]
            Source::Mmap(m) => m.views,
            _ => true,
        }
    }

    /// Checks that a mapped file is as it was when mapped: same size and modification time,
    /// and no read of it faulted. Always `Ok` for bytes in memory.
    pub fn check(&self) -> Result<()> {
        match self {
            #[cfg(feature = "mmap")]
            Source::Mmap(m) => m.check(),
            _ => Ok(()),
        }
    }

    /// [`Source::check`] for frequent small reads (values of a header): a read that faulted
    /// is always reported; the file's size and time are compared at most every 100 ms.
    pub fn check_often(&self) -> Result<()> {
        match self {
            #[cfg(feature = "mmap")]
            Source::Mmap(m) => m.check_often(),
            _ => Ok(()),
        }
    }

    /// A copy of `start..start + len` (clamped), made only after [`Source::check`] passes and
    /// checked again after copying. A mapped file is copied with `pread` rather than through
    /// the map: one copy, no pages of the map touched, and a file cut short is a short read.
    pub fn copy_range(&self, start: usize, len: usize) -> Result<Vec<u8>> {
        self.check()?;
        let b = self.bytes();
        let start = start.min(b.len());
        let end = start.saturating_add(len).min(b.len());
        #[cfg(all(unix, feature = "mmap"))]
        if let Source::Mmap(m) = self {
            return m.pread(start, end - start);
        }
        let out = b[start..end].to_vec();
        self.check()?;
        Ok(out)
    }

    /// Opens a file with the default policy (see [`MapPolicy::Auto`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Arc<Source>> {
        Source::open_with(path, MapPolicy::Auto)
    }

    /// Opens a file: mapped or read according to `policy`.
    pub fn open_with(path: impl AsRef<Path>, policy: MapPolicy) -> Result<Arc<Source>> {
        let path = path.as_ref();
        let (file, len) = open_with_len(path)?;
        #[cfg(feature = "mmap")]
        {
            // Reading is cheaper than mapping (mmap + page faults + munmap) up to a few MiB;
            // larger files are mapped so that pixels are only paged in when touched.
            let map = match policy {
                MapPolicy::Auto => len > MMAP_THRESHOLD,
                MapPolicy::Always => len > 0,
                MapPolicy::Never => false,
            };
            if map && let Some(m) = MappedFile::map(file.try_clone().ok(), path, policy)? {
                return Ok(Arc::new(Source::Mmap(m)));
            }
        }
        #[cfg(not(feature = "mmap"))]
        let _ = policy;
        read_up_to(file, len, len, path)
    }
}

/// A file mapped read-only, with what it takes to notice that it changed.
#[cfg(feature = "mmap")]
pub struct MappedFile {
    map: memmap2::Mmap,
    file: std::fs::File,
    /// Size and modification time when mapped.
    stamp: (u64, Option<std::time::SystemTime>),
    /// Hand out views (true) or copies.
    views: bool,
    /// When the map was made, and the time (ns after it) of the last size/mtime comparison.
    opened: std::time::Instant,
    last_stat: std::sync::atomic::AtomicU64,
    /// Set once a change was found: every later check fails.
    changed: std::sync::atomic::AtomicBool,
    /// The SIGBUS guard's slot for this map (None where there is no guard).
    #[cfg(unix)]
    guard: Option<super::mmap_guard::Registration>,
}

#[cfg(feature = "mmap")]
impl MappedFile {
    /// Maps `file`; `None` when the map cannot be guarded (too many maps at once), in which
    /// case the caller reads the file instead.
    #[allow(unsafe_code)]
    fn map(
        file: Option<std::fs::File>,
        path: &Path,
        policy: MapPolicy,
    ) -> Result<Option<MappedFile>> {
        let Some(file) = file else {
            return Ok(None);
        };
        let meta = file
            .metadata()
            .map_err(|e| DicomError::io_path(&e, "cannot stat", path))?;
        let stamp = (meta.len(), meta.modified().ok());
        // SAFETY: the map is read-only. Another process may truncate or rewrite the file while
        // it is mapped: the SIGBUS guard registered below turns reads of vanished pages into
        // zeros, and `check` compares size and mtime before anything is handed out.
        let map = unsafe { memmap2::Mmap::map(&file) }
            .map_err(|e| DicomError::io_path(&e, "cannot map", path))?;
        #[cfg(unix)]
        let guard = match super::mmap_guard::register(map.as_ptr() as usize, map.len()) {
            Some(g) => Some(g),
            None => return Ok(None),
        };
        Ok(Some(MappedFile {
            map,
            file,
            stamp,
            views: policy == MapPolicy::Always,
            opened: std::time::Instant::now(),
            last_stat: std::sync::atomic::AtomicU64::new(0),
            changed: std::sync::atomic::AtomicBool::new(false),
            #[cfg(unix)]
            guard,
        }))
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        &self.map
    }

    fn check_often(&self) -> Result<()> {
        use std::sync::atomic::Ordering;
        self.check_faults()?;
        let now = u64::try_from(self.opened.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let last = self.last_stat.load(Ordering::Relaxed);
        if now.saturating_sub(last) < 100_000_000 {
            return Ok(());
        }
        self.check()
    }

    /// Copies with `pread`: a file cut short is a short read, not a fault.
    #[cfg(unix)]
    fn pread(&self, start: usize, len: usize) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let mut out = vec![0u8; len];
        self.file
            .read_exact_at(&mut out, start as u64)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    self.changed
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    changed("the file was truncated while it was being read")
                }
                _ => DicomError::io(&e, "cannot read the mapped file"),
            })?;
        self.check()?;
        Ok(out)
    }

    fn check_faults(&self) -> Result<()> {
        if self.changed.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(changed(
                "the file changed on disk since it was opened: read it again",
            ));
        }
        #[cfg(unix)]
        if self.guard.as_ref().is_some_and(|g| g.faulted()) {
            return Err(changed(
                "the file was truncated while it was mapped (a read found no data)",
            ));
        }
        Ok(())
    }

    fn check(&self) -> Result<()> {
        self.check_faults()?;
        let now = u64::try_from(self.opened.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.last_stat
            .store(now, std::sync::atomic::Ordering::Relaxed);
        let meta = self
            .file
            .metadata()
            .map_err(|e| DicomError::io(&e, "cannot stat the mapped file"))?;
        if (meta.len(), meta.modified().ok()) != self.stamp {
            self.changed
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return Err(changed(&format!(
                "the file changed on disk since it was opened (size {} -> {} bytes, or a \
                 newer modification time): read it again",
                self.stamp.0,
                meta.len()
            )));
        }
        Ok(())
    }
}

#[cfg(feature = "mmap")]
fn changed(msg: &str) -> DicomError {
    DicomError::new(crate::error::ErrorKind::SourceChanged, None, "", msg)
}

fn open_with_len(path: &Path) -> Result<(std::fs::File, u64)> {
    let file =
        std::fs::File::open(path).map_err(|e| DicomError::io_path(&e, "cannot open", path))?;
    let len = file
        .metadata()
        .map_err(|e| DicomError::io_path(&e, "cannot stat", path))?
        .len();
    Ok((file, len))
}

/// Reads the first `want` bytes of `file` (of size `len`) into an owned source.
fn read_up_to(file: std::fs::File, len: u64, want: u64, path: &Path) -> Result<Arc<Source>> {
    use std::io::Read;
    let want = want.min(len);
    let mut buf = Vec::with_capacity(usize::try_from(want).unwrap_or(0));
    file.take(want)
        .read_to_end(&mut buf)
        .map_err(|e| DicomError::io_path(&e, "cannot read", path))?;
    Ok(Arc::new(Source::Owned(buf)))
}

/// Reads on from `file` until `buf` holds `limit` bytes; true when the file ended first. No
/// `fstat`: a short read means the end was reached.
pub(crate) fn read_more(
    file: &mut std::fs::File,
    buf: &mut Vec<u8>,
    limit: usize,
    path: &Path,
) -> Result<bool> {
    use std::io::Read;
    let want = limit.saturating_sub(buf.len());
    buf.reserve_exact(want);
    // `read_to_end` on a `Take` fills the spare capacity without zeroing it first and stops
    // at the limit without another system call.
    let n = Read::take(&mut *file, want as u64)
        .read_to_end(buf)
        .map_err(|e| DicomError::io_path(&e, "cannot read", path))?;
    Ok(n < want)
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            #[cfg(feature = "mmap")]
            Source::Mmap(_) => "Mmap",
            Source::Owned(_) => "Owned",
            Source::External(_) => "External",
            Source::Static(_) => "Static",
        };
        write!(f, "Source::{kind}({} bytes)", self.len())
    }
}
