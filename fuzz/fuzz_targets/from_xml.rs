//! Fuzz target for the Native DICOM Model XML reader, `rs_dicom::xml::from_xml_bytes` (see
//! model_common.rs).

#![no_main]

#[path = "model_common.rs"]
mod model_common;

use libfuzzer_sys::fuzz_target;
use rs_dicom::xml::{self, XmlOptions};

fuzz_target!(|data: &[u8]| {
    model_common::run(
        data,
        |bytes, opts| xml::from_xml_bytes(bytes, opts).ok().map(|p| p.dataset),
        |ds| xml::to_xml(ds, &XmlOptions::default()).expect("writes"),
    );
});
