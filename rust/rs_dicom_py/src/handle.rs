//! The Python handles to core data: `Dataset` (a shared core dataset, plus what a file read
//! knows) and `Element` (a dataset and a tag). The structs live here, below every module that
//! uses them; their Python methods are in dataset.rs and element.rs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use rs_dicom::core::{Dataset, Element, SharedDataset, Tag, TransferSyntax};

use crate::pixel::PyPixelData;

/// What a top-level dataset knows beyond its elements: the file it was read from (or will be
/// written as). Every part can be replaced from Python (`ds.file_meta = ...`).
#[derive(Clone, Default)]
pub struct FileInfo {
    /// The file meta information group.
    pub meta: Option<SharedDataset>,
    /// The 128-byte preamble, if the file has one.
    pub preamble: Option<Vec<u8>>,
    /// The transfer syntax the dataset was read with.
    pub transfer_syntax: Option<&'static TransferSyntax>,
    /// The path it was read from, if any.
    pub filename: Option<String>,
}

/// Derived values cached on a Python object, valid for one state of the dataset.
#[derive(Default)]
pub(crate) struct Cache {
    /// The (dataset, file meta) generations the cached values belong to.
    pub(crate) key: Option<(u64, u64)>,
    pub(crate) pixel_data: Option<Option<Py<PyPixelData>>>,
    pub(crate) array: Option<Py<PyAny>>,
}

/// A DICOM dataset (or sequence item).
#[pyclass(name = "Dataset", module = "rs_dicom", frozen, sequence, subclass)]
pub struct PyDataset {
    pub(crate) node: SharedDataset,
    file: Mutex<FileInfo>,
    cache: Mutex<Cache>,
}

impl PyDataset {
    /// A handle to a dataset read from a file.
    pub fn top(node: SharedDataset, file: FileInfo) -> Self {
        PyDataset {
            node,
            file: Mutex::new(file),
            cache: Mutex::default(),
        }
    }

    /// A handle to a sequence item (or any dataset not read as a file).
    pub fn item(node: SharedDataset) -> Self {
        PyDataset::top(node, FileInfo::default())
    }

    /// The file information (a copy: cheap, the meta is shared).
    pub fn file(&self) -> FileInfo {
        self.file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Changes the file information.
    pub fn set_file(&self, f: impl FnOnce(&mut FileInfo)) {
        f(&mut self.file.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// (explicit VR, big endian) as read: the file's record of its syntax, else the dataset's.
    pub fn read_encoding(&self) -> (bool, bool) {
        match self.file().transfer_syntax {
            Some(ts) => (ts.explicit_vr, ts.big_endian),
            None => self.with(|ds| (ds.explicit_vr(), ds.big_endian())),
        }
    }

    /// The file meta group, if there is one.
    pub fn meta(&self) -> Option<SharedDataset> {
        self.file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .meta
            .clone()
    }

    /// Runs `f` on the dataset with its read lock held. `f` must not touch Python objects.
    pub fn with<R>(&self, f: impl FnOnce(&Dataset) -> R) -> R {
        f(&self.node.read())
    }

    pub(crate) fn meta_generation(&self) -> u64 {
        self.meta().map_or(0, |m| m.read().generation())
    }

    /// The transfer syntax to decode this dataset's pixel data with: the file meta's
    /// Transfer Syntax UID as it is now, else the syntax the dataset was read with.
    pub fn pixel_transfer_syntax(&self) -> &'static TransferSyntax {
        let file = self.file();
        let from_meta = file.meta.as_ref().and_then(|m| {
            let meta = m.read();
            let raw = meta.raw(Tag::TRANSFER_SYNTAX_UID)?;
            TransferSyntax::from_uid(&String::from_utf8_lossy(raw))
        });
        from_meta
            .or(file.transfer_syntax)
            .or_else(|| self.with(|ds| ds.transfer_syntax()))
            .unwrap_or(TransferSyntax::EXPLICIT_VR_LE)
    }

    /// The cache, emptied first when the dataset or its file meta changed since it was filled.
    pub(crate) fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        let key = (self.with(|ds| ds.generation()), self.meta_generation());
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.key != Some(key) {
            *cache = Cache {
                key: Some(key),
                ..Cache::default()
            };
        }
        cache
    }
}

/// A data element: tag, VR, length, offset and a lazily decoded value.
#[pyclass(name = "Element", module = "rs_dicom", frozen)]
pub struct PyElement {
    pub(crate) node: SharedDataset,
    pub(crate) tag: Tag,
    /// Where the element was last found in its dataset: tried before a binary search.
    hint: AtomicUsize,
}

impl PyElement {
    pub fn new(node: SharedDataset, tag: Tag) -> Self {
        PyElement::at(node, tag, usize::MAX)
    }

    /// A handle to the element `tag`, probably at index `hint` of its dataset.
    pub fn at(node: SharedDataset, tag: Tag, hint: usize) -> Self {
        PyElement {
            node,
            tag,
            hint: AtomicUsize::new(hint),
        }
    }

    /// Runs `f` on the element with the dataset's read lock held (`f` must not touch Python).
    /// Runs `f` on the element with the dataset's read lock held (`f` must not touch
    /// Python); `Err(message)` when the element is no longer in the dataset.
    pub(crate) fn with_found<R>(
        &self,
        f: impl FnOnce(&Dataset, &Element) -> R,
    ) -> Result<R, String> {
        let ds = self.node.read();
        let hint = self.hint.load(Ordering::Relaxed);
        let index = match ds.elements().get(hint) {
            Some(e) if e.tag == self.tag => Some(hint),
            _ => ds.position(self.tag),
        };
        match index {
            Some(i) => {
                self.hint.store(i, Ordering::Relaxed);
                Ok(f(&ds, &ds.elements()[i]))
            }
            None => Err(format!("{} is no longer in the dataset", self.tag)),
        }
    }
}
