//! PyO3 bindings: the `rs_dicom._core` extension module. Wraps core types and maps errors to
//! exceptions; knows nothing of byte layouts.

mod dataset;
mod dictionary;
mod errors;
mod pixel;
mod source;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    dataset::register(m)?;
    dictionary::register(m)?;
    Ok(())
}
