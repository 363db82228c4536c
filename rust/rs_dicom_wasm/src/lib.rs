//! rs_dicom in WebAssembly: the core's zero-copy parser, value decoding, DICOM JSON model,
//! pure-Rust pixel decoders and display pipeline as a wasm-bindgen module. The JavaScript
//! package (`js/`) wraps the generated glue; its TypeScript types are `js/index.d.ts`.
//!
//! The core is built without memory maps, threads and the C codecs: native pixels, RLE,
//! deflate, JPEG (jpeg-decoder) and JPEG 2000 / HTJ2K (rs_dicom_j2k) decode; the rest throw
//! an `UnsupportedCodecError`. Errors are JS `Error`s named like the Python exceptions, with
//! `offset` and `tagPath` as Python's `DicomError` has them.

mod dataset;
mod error;
#[cfg(feature = "pixels")]
mod pixels;
mod value;

use std::sync::Arc;

use js_sys::{Array, Object};
use rs_dicom::core::Source;
use rs_dicom::parser::{ReadOptions, parse_source};
use rs_dicom::pixel::codec::available_codecs;
use wasm_bindgen::prelude::*;

pub use dataset::Dataset;
use error::{set, to_js};

#[wasm_bindgen]
extern "C" {
    /// `parse`'s options object, read through property getters: JS reads `o.force` itself,
    /// where `Reflect.get` would first make a JS string of the key from wasm memory (two
    /// text decodes per parse, a measurable part of a small header's parse).
    type ParseOptions;
    #[wasm_bindgen(method, getter, catch)]
    fn force(this: &ParseOptions) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch, js_name = stopBeforePixels)]
    fn stop_before_pixels(this: &ParseOptions) -> Result<JsValue, JsValue>;
}

/// Parses DICOM Part 10 bytes (copied once into wasm memory, then never copied again).
/// `options`: `{ force?: boolean, stopBeforePixels?: boolean }`.
#[wasm_bindgen]
pub fn parse(bytes: Vec<u8>, options: JsValue) -> Result<Dataset, JsValue> {
    let (mut force, mut stop_before_pixels) = (false, false);
    if options.is_object() {
        let o: &ParseOptions = options.unchecked_ref();
        force = o.force()?.is_truthy();
        stop_before_pixels = o.stop_before_pixels()?.is_truthy();
    }
    let opts = ReadOptions {
        force,
        stop_before_pixels,
        ..ReadOptions::default()
    };
    let file = parse_source(Arc::new(Source::Owned(bytes)), opts).map_err(to_js)?;
    Ok(Dataset::from_file(file))
}

/// The codecs of this build: `[{ codec, decoder, encoder }]` (library names or `null`).
#[wasm_bindgen(js_name = availableCodecs)]
pub fn available() -> Array {
    available_codecs()
        .into_iter()
        .map(|c| {
            let o = Object::new();
            set(&o, "codec", &JsValue::from_str(c.codec.name()));
            set(
                &o,
                "decoder",
                &c.decoder.map_or(JsValue::NULL, JsValue::from_str),
            );
            set(
                &o,
                "encoder",
                &c.encoder.map_or(JsValue::NULL, JsValue::from_str),
            );
            JsValue::from(o)
        })
        .collect()
}

/// The tag number of a key as `Dataset.get` takes it: a number, a keyword, `"GGGGEEEE"` or
/// `"(GGGG,EEEE)"` (a `TypeError` for anything else).
#[wasm_bindgen(js_name = tagOf)]
pub fn tag_of(key: JsValue) -> Result<u32, JsValue> {
    Ok(dataset::tag_of(&key)?.as_u32())
}

/// The version of the core this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
