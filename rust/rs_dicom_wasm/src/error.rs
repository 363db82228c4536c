//! Core errors as JS exceptions: an `Error` named like the Python exception class, with the
//! byte offset (`offset`, a number or `null`) and tag path (`tagPath`) of Python's
//! `DicomError`, and the coarse `kind`.

use std::cell::RefCell;

use js_sys::{Object, Reflect};
use rs_dicom::{DicomError, ErrorKind};
use wasm_bindgen::JsValue;

thread_local! {
    /// Property names already made into JS strings: a name passed as `&str` is decoded from
    /// UTF-8 on the JS side at every call, a visible part of a small frame's cost.
    static KEYS: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// Sets a property of a fresh object (cannot fail on one; a failure would only lose it).
pub(crate) fn set(o: &Object, key: &'static str, value: &JsValue) {
    KEYS.with_borrow_mut(|keys| {
        let k = match keys.iter().find(|(k, _)| *k == key) {
            Some((_, k)) => k,
            None => {
                keys.push((key, JsValue::from_str(key)));
                &keys[keys.len() - 1].1
            }
        };
        let _ = Reflect::set(o, k, value);
    });
}

/// The Python exception class name of an error kind.
pub(crate) fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotDicom => "InvalidDicomError",
        ErrorKind::Truncated => "TruncatedError",
        ErrorKind::Malformed => "MalformedError",
        ErrorKind::UnsupportedTransferSyntax => "UnsupportedTransferSyntaxError",
        ErrorKind::UnsupportedCodec => "UnsupportedCodecError",
        ErrorKind::InvalidValue => "InvalidValueError",
        ErrorKind::SourceChanged => "SourceChangedError",
        _ => "DicomError",
    }
}

/// The JS exception of a core error.
pub(crate) fn to_js(e: DicomError) -> JsValue {
    let mut message = e.to_string();
    if e.kind == ErrorKind::NotDicom {
        // The hint names the JS option; Python's names `force=True`.
        message
            .push_str(" (use { force: true } to read a dataset without a preamble and file meta)");
    }
    let err = js_sys::Error::new(&message);
    err.set_name(class_name(e.kind));
    set(&err, "kind", &JsValue::from_str(&format!("{:?}", e.kind)));
    set(
        &err,
        "offset",
        &e.offset
            .map_or(JsValue::NULL, |o| JsValue::from_f64(o as f64)),
    );
    set(&err, "tagPath", &JsValue::from_str(&e.path));
    err.into()
}

/// A `TypeError` for a wrong argument.
pub(crate) fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}
