//! Pixel data for JS: frames as typed arrays of the stored sample type, and frames rendered
//! for display (the Python package's `to_display`) as RGBA for a canvas `ImageData`.

use js_sys::{
    BigInt64Array, BigUint64Array, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array,
    Object, Uint8Array, Uint8ClampedArray, Uint16Array, Uint32Array,
};
use rs_dicom::pixel::PixelData;
use rs_dicom::pixel::display::frame::{OwnedValues, decode_frame};
use rs_dicom::pixel::display::thumbnail::display_image;
use rs_dicom::{DicomError, ErrorKind, Limits};
use wasm_bindgen::prelude::*;

use crate::dataset::Dataset;
use crate::error::{set, to_js};

fn typed_array(values: &OwnedValues) -> JsValue {
    match values {
        OwnedValues::U8(v) => Uint8Array::from(&v[..]).into(),
        OwnedValues::I8(v) => Int8Array::from(&v[..]).into(),
        OwnedValues::U16(v) => Uint16Array::from(&v[..]).into(),
        OwnedValues::I16(v) => Int16Array::from(&v[..]).into(),
        OwnedValues::U32(v) => Uint32Array::from(&v[..]).into(),
        OwnedValues::I32(v) => Int32Array::from(&v[..]).into(),
        OwnedValues::U64(v) => BigUint64Array::from(&v[..]).into(),
        OwnedValues::I64(v) => BigInt64Array::from(&v[..]).into(),
        OwnedValues::F32(v) => Float32Array::from(&v[..]).into(),
        OwnedValues::F64(v) => Float64Array::from(&v[..]).into(),
    }
}

fn out_of_range(frame: usize, count: usize) -> JsValue {
    let e = js_sys::RangeError::new(&format!(
        "frame {frame} out of range (the dataset has {count})"
    ));
    e.into()
}

/// RGBA from a display image of 1 (grey) or 3 (RGB) channels.
fn rgba(data: &[u8], channels: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / channels.max(1) * 4);
    for px in data.chunks_exact(channels.max(1)) {
        match px {
            [g] => out.extend_from_slice(&[*g, *g, *g, 255]),
            [r, g, b, ..] => out.extend_from_slice(&[*r, *g, *b, 255]),
            _ => out.extend_from_slice(&[0, 0, 0, 255]),
        }
    }
    out
}

impl Dataset {
    fn pixel_data(&self) -> Result<PixelData, JsValue> {
        PixelData::new(&self.ds, self.ts, &Limits::DEFAULT)
            .map_err(to_js)?
            .ok_or_else(|| {
                to_js(DicomError::new(
                    ErrorKind::Malformed,
                    None,
                    "(7FE0,0010)",
                    "the dataset has no pixel data",
                ))
            })
    }

    fn check_frame(&self, frame: usize) -> Result<(), JsValue> {
        let count = self.pixel_data()?.frame_count();
        if frame >= count {
            return Err(out_of_range(frame, count));
        }
        Ok(())
    }
}

#[wasm_bindgen]
impl Dataset {
    /// The number of frames (0 without pixel data).
    #[wasm_bindgen(getter, js_name = numberOfFrames)]
    pub fn number_of_frames(&self) -> Result<usize, JsValue> {
        Ok(PixelData::new(&self.ds, self.ts, &Limits::DEFAULT)
            .map_err(to_js)?
            .map_or(0, |p| p.frame_count()))
    }

    /// Frame `index` decoded: `{ rows, columns, samplesPerPixel, data }`, `data` a typed
    /// array of the stored sample type (Uint16Array, Int16Array, ...) in C order (rows,
    /// columns, samples); colour as RGB where the codec converts it, as in Python.
    pub fn frame(&self, index: usize) -> Result<Object, JsValue> {
        self.check_frame(index)?;
        let f = decode_frame(&self.ds, self.ts, index).map_err(to_js)?;
        let o = Object::new();
        set(&o, "rows", &JsValue::from_f64(f.rows as f64));
        set(&o, "columns", &JsValue::from_f64(f.columns as f64));
        set(&o, "samplesPerPixel", &JsValue::from_f64(f.samples as f64));
        set(&o, "data", &typed_array(&f.values));
        Ok(o)
    }

    /// Frame `index` as the Python package's `to_display` shows it (Modality LUT / rescale,
    /// the file's window or VOI LUT, or `center`/`width` when given, MONOCHROME1 inverted,
    /// palettes and colour to 8 bits), as `{ width, height, data }` with `data` RGBA for an
    /// `ImageData`.
    pub fn render(
        &self,
        index: usize,
        center: Option<f64>,
        width: Option<f64>,
    ) -> Result<Object, JsValue> {
        self.check_frame(index)?;
        let window = center.zip(width);
        let img = display_image(&self.ds, self.ts, index, window).map_err(to_js)?;
        let o = Object::new();
        set(&o, "width", &JsValue::from_f64(img.columns as f64));
        set(&o, "height", &JsValue::from_f64(img.rows as f64));
        let data = rgba(&img.data, img.channels);
        set(&o, "data", &Uint8ClampedArray::from(&data[..]).into());
        Ok(o)
    }
}
