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

/// mimalloc's `mi_option_arena_eager_commit`: the fifth option in both v2's and v3's
/// `mi_option_t` (libmimalloc-sys names no constant for it).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Turns off mimalloc's eager arena commit unless the user chose with
/// `MIMALLOC_ARENA_EAGER_COMMIT`. Its default (2: eager where the OS overcommits, i.e.
/// Linux) keeps every page an arena ever handed out resident: 100 + 100 concurrent
/// associations in one process peaked at 744 MiB RSS with it, 106 MiB without
/// (benchmarks/results_net.md). The choice is made when an arena is reserved, and the first
/// one is reserved by the extension's first allocation, so this runs as a load-time
/// constructor (after mimalloc's own, which reads the environment), before any Rust code of
/// the extension allocates. Only Linux: elsewhere the default commits on demand already.
#[cfg(target_os = "linux")]
extern "C" fn lazy_arena_commit() {
    // var_os builds the name's C string on the stack: nothing is allocated before the set.
    if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
        // SAFETY: stores one option value; runs during dlopen, before other threads use
        // this allocator.
        unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0) };
    }
}

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static LAZY_ARENA_COMMIT: extern "C" fn() = lazy_arena_commit;

/// The arena commit option in force (0 lazy, 1 eager, 2 eager on overcommitting systems),
/// for the tests.
#[pyfunction]
fn _arena_eager_commit() -> std::os::raw::c_long {
    // SAFETY: reads one option value.
    unsafe { libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT) }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_arena_eager_commit, m)?)?;
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
