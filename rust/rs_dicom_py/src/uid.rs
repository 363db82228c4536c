//! The transfer-syntax registry (`rs_dicom::core::TransferSyntax`) for Python's `UID`.

use pyo3::prelude::*;
use rs_dicom::core::TransferSyntax;

/// `(uid, name, short_name, explicit_vr, big_endian, deflated, encapsulated, codec, lossy,
/// retired)`.
type TsTuple = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
    bool,
    bool,
    Option<&'static str>,
    bool,
    bool,
);

/// How a transfer syntax encodes a dataset, as the reader uses it, or None.
///
/// A UID of the DICOM transfer syntax root that is not registered is read as an unknown
/// compressed syntax: its tuple has an empty `uid` and no codec. Padding is ignored.
#[pyfunction]
fn transfer_syntax_info(uid: &str) -> Option<TsTuple> {
    TransferSyntax::from_uid(uid).map(|t| {
        (
            t.uid,
            t.name,
            t.short_name,
            t.explicit_vr,
            t.big_endian,
            t.deflated,
            t.encapsulated,
            t.codec.map(|c| c.name()),
            t.lossy,
            t.retired,
        )
    })
}

/// Adds the transfer-syntax functions to the `_core` module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(transfer_syntax_info, m)?)?;
    Ok(())
}
