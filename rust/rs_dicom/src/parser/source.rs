use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::error::{DicomError, Result};

/// Files larger than this are memory-mapped; smaller ones are read into one buffer.
#[cfg(feature = "mmap")]
pub const MMAP_THRESHOLD: u64 = 4 << 20;

/// Bytes owned by someone else (e.g. a Python buffer) that stay valid while this value lives.
pub trait ExternalBytes: Send + Sync {
    /// The bytes; must return the same slice for the whole lifetime of `self`.
    fn bytes(&self) -> &[u8];
}

/// The bytes a dataset's value spans point into; shared by `Arc`, never copied.
pub enum Source {
    /// A read-only memory map of a file.
    #[cfg(feature = "mmap")]
    Mmap(memmap2::Mmap),
    /// A buffer owned by us (a read file, or an inflated deflated dataset).
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
            Source::Mmap(m) => m,
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

    /// Opens a file: memory-mapped with the `mmap` feature, else read whole.
    pub fn open(path: impl AsRef<Path>) -> Result<Arc<Source>> {
        let path = path.as_ref();
        let (file, len) = open_with_len(path)?;
        #[cfg(feature = "mmap")]
        {
            // Reading is cheaper than mapping (mmap + page faults + munmap) up to a few MiB;
            // larger files are mapped so that pixels are only paged in when touched.
            if len > MMAP_THRESHOLD {
                // SAFETY: the map is read-only; like every mmap-based reader we rely on the file
                // not being truncated by another process while it is mapped.
                let map = unsafe { memmap2::Mmap::map(&file) }
                    .map_err(|e| DicomError::io_path(&e, "cannot map", path))?;
                return Ok(Arc::new(Source::Mmap(map)));
            }
        }
        read_up_to(file, len, len, path)
    }
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

/// Reads at most `limit` bytes from the start of a file; returns them and whether that is the
/// whole file. No `fstat`: a short read means the end was reached.
pub(crate) fn read_prefix(path: &Path, limit: usize) -> Result<(Arc<Source>, bool)> {
    use std::io::Read;
    let mut file =
        std::fs::File::open(path).map_err(|e| DicomError::io_path(&e, "cannot open", path))?;
    let mut buf = vec![0u8; limit];
    let mut filled = 0;
    while filled < limit {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DicomError::io_path(&e, "cannot read", path)),
        }
    }
    let whole = filled < limit;
    buf.truncate(filled);
    Ok((Arc::new(Source::Owned(buf)), whole))
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
