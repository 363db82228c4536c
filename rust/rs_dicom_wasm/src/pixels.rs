//! Pixel data for JS: frames as typed arrays of the stored sample type, and frames rendered
//! for display (the Python package's `to_display`) as RGBA for a canvas `ImageData`.

use js_sys::{
    BigInt64Array, BigUint64Array, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array,
    Object, Uint8Array, Uint8ClampedArray, Uint16Array, Uint32Array,
};
use rs_dicom::pixel::display::frame::{OwnedValues, decode_frame};
use rs_dicom::pixel::display::thumbnail::display_image;
use rs_dicom::pixel::{DecodeOptions, Frames, PixelBuffer, PixelData, Pixels, Sample};
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
    fn pixel_data(&self) -> Result<&PixelData, JsValue> {
        let px = self
            .pixels
            .get_or_init(|| PixelData::new(&self.ds, self.ts, &Limits::DEFAULT));
        match px {
            Ok(Some(px)) => Ok(px),
            Ok(None) => Err(to_js(DicomError::new(
                ErrorKind::Malformed,
                None,
                "(7FE0,0010)",
                "the dataset has no pixel data",
            ))),
            Err(e) => Err(to_js(e.clone())),
        }
    }

    fn check_frame(&self, frame: usize) -> Result<&PixelData, JsValue> {
        let px = self.pixel_data()?;
        if frame >= px.frame_count() {
            return Err(out_of_range(frame, px.frame_count()));
        }
        Ok(px)
    }
}

/// The decoded frame as a typed array with one copy, when its bytes are already the array
/// (C order, little endian as wasm is); `None` for other layouts.
fn direct(p: &Pixels) -> Option<JsValue> {
    let bytes: &[u8] = match &p.buffer {
        PixelBuffer::View { source, start, len } => source.bytes().get(*start..start + len)?,
        PixelBuffer::Shared { bytes, start, len } => bytes.get(*start..start + len)?,
        PixelBuffer::Owned(v) => v,
    };
    let size = p.sample.size();
    let mut expected = size;
    for (&n, &stride) in p.shape.iter().zip(&p.strides).rev() {
        if stride != expected && n > 1 {
            return None;
        }
        expected *= n;
    }
    if (p.big_endian && size > 1) || bytes.len() < expected {
        return None;
    }
    let u8s = Uint8Array::new_with_length(expected as u32);
    u8s.copy_from(&bytes[..expected]);
    let buf = u8s.buffer();
    Some(match p.sample {
        Sample::U8 => u8s.into(),
        Sample::I8 => Int8Array::new(&buf).into(),
        Sample::U16 => Uint16Array::new(&buf).into(),
        Sample::I16 => Int16Array::new(&buf).into(),
        Sample::U32 => Uint32Array::new(&buf).into(),
        Sample::I32 => Int32Array::new(&buf).into(),
        Sample::U64 => BigUint64Array::new(&buf).into(),
        Sample::I64 => BigInt64Array::new(&buf).into(),
        Sample::F32 => Float32Array::new(&buf).into(),
        Sample::F64 => Float64Array::new(&buf).into(),
    })
}

#[wasm_bindgen]
impl Dataset {
    /// The number of frames (0 without pixel data).
    #[wasm_bindgen(getter, js_name = numberOfFrames)]
    pub fn number_of_frames(&self) -> Result<usize, JsValue> {
        match self.pixel_data() {
            Ok(px) => Ok(px.frame_count()),
            Err(_) if matches!(self.pixels.get(), Some(Ok(None))) => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Frame `index` decoded: `{ rows, columns, samplesPerPixel, data }`, `data` a typed
    /// array of the stored sample type (Uint16Array, Int16Array, ...) in C order (rows,
    /// columns, samples); colour as RGB where the codec converts it, as in Python.
    pub fn frame(&self, index: usize) -> Result<Object, JsValue> {
        let px = self.check_frame(index)?;
        let p = px
            .decode(&self.ds, &Frames::One(index), &DecodeOptions::default())
            .map_err(to_js)?;
        let o = Object::new();
        let dim = |i: usize, default: usize| {
            JsValue::from_f64(p.shape.get(i).copied().unwrap_or(default) as f64)
        };
        set(&o, "rows", &dim(0, 0));
        set(&o, "columns", &dim(1, 0));
        set(&o, "samplesPerPixel", &dim(2, 1));
        let data = match direct(&p) {
            Some(a) => a,
            // Other layouts (planes, big endian) through the core's reader, in C order.
            None => typed_array(
                &decode_frame(&self.ds, self.ts, index)
                    .map_err(to_js)?
                    .values,
            ),
        };
        set(&o, "data", &data);
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
