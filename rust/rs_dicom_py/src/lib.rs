//! PyO3 bindings: the `rs_dicom._core` extension module. Wraps core types and maps errors to
//! exceptions; knows nothing of byte layouts, and imports nothing back from Python.

mod dataset;
mod dictionary;
mod display;
mod element;
mod errors;
mod handle;
mod json;
mod model;
mod pixel;
mod read;
mod repr;
mod source;
mod tag;
mod thumbnail;
mod value;
mod xml;

use pyo3::prelude::*;

/// Decoded frames are large buffers allocated and freed again and again (one per frame or
/// file): mimalloc keeps their pages, glibc's malloc unmaps each and faults it in anew
/// (measured: RLE frame by frame ~4x faster, see benchmarks/results_codecs.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    tag::register(m)?;
    m.add_class::<handle::PyDataset>()?;
    m.add_class::<handle::PyElement>()?;
    m.add_class::<element::ElementIter>()?;
    m.add_class::<pixel::PyPixelData>()?;
    m.add_class::<source::SourceBytes>()?;
    read::register(m)?;
    dictionary::register(m)?;
    display::register(m)?;
    thumbnail::register(m)?;
    repr::register(m)?;
    Ok(())
}
