//! PyO3 bindings: the `rs_dicom._core` extension module. Wraps core types and maps errors to
//! exceptions; knows nothing of byte layouts, and imports nothing back from Python.

mod assign;
mod compress;
mod dataset;
mod deid;
mod dictionary;
mod display;
mod edit;
mod element;
mod errors;
mod fileset;
mod handle;
mod json;
mod model;
mod net;
mod net_error;
mod net_qr;
mod net_tls;
mod pixel;
mod pixel_set;
mod pool;
mod private;
mod read;
mod remote;
mod repr;
mod scan;
mod sequence;
mod source;
mod tag;
mod thumbnail;
mod uid;
mod value;
mod valuetypes;
mod walk;
mod web;
mod write;
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
    valuetypes::register(m)?;
    uid::register(m)?;
    m.add_class::<handle::PyDataset>()?;
    m.add_class::<handle::PyElement>()?;
    m.add_class::<element::ElementIter>()?;
    m.add_class::<pixel::PyPixelData>()?;
    m.add_class::<source::SourceBytes>()?;
    read::register(m)?;
    edit::register(m)?;
    sequence::register(m)?;
    write::register(m)?;
    private::register(m)?;
    dictionary::register(m)?;
    display::register(m)?;
    thumbnail::register(m)?;
    repr::register(m)?;
    fileset::register(m)?;
    m.add_function(wrap_pyfunction!(compress::encoders, m)?)?;
    m.add_function(wrap_pyfunction!(compress::transfer_syntax_for_name, m)?)?;
    deid::register(m)?;
    scan::register(m)?;
    net::register(m)?;
    net_qr::register(m)?;
    web::register(m)?;
    remote::register(m)?;
    Ok(())
}
