//! `ds.compress(...)` and `ds.decompress(...)` with pydicom 3's arguments: the core encodes
//! and decodes a copy of the dataset with the GIL released (the source pixels never become
//! Python objects), and the copy replaces the dataset's elements when every frame succeeded.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use rs_dicom::core::{Dataset, Limits, SharedDataset, Tag, TransferSyntax, VR};
use rs_dicom::pixel::encode::EncodeOptions;
use rs_dicom::pixel::transcode::{self, CompressOptions};
use rs_dicom::{DicomError, ErrorKind};

use crate::edit::write_node;
use crate::errors::to_py;
use crate::handle::PyDataset;
use crate::pixel_set::{int_array, new_instance_uid};

/// The transfer syntax named by a UID or a short name (`rle`, `htj2k-lossless`, ...).
pub(crate) fn syntax_named(name: &str) -> PyResult<&'static TransferSyntax> {
    TransferSyntax::from_name(name).ok_or_else(|| {
        to_py(DicomError::new(
            ErrorKind::UnsupportedTransferSyntax,
            None,
            "(0002,0010)",
            format!("{name:?} is not a transfer syntax UID or name rs_dicom knows"),
        ))
    })
}

/// `j2k_cr`: a ratio, or pydicom's list of one ratio per quality layer (one layer here).
fn compression_ratio(v: &Bound<'_, PyAny>) -> PyResult<f32> {
    if let Ok(r) = v.extract::<f32>() {
        return Ok(r);
    }
    let ratios: Vec<f32> = v
        .extract()
        .map_err(|_| PyTypeError::new_err("j2k_cr must be a number or a list of one number"))?;
    match ratios.as_slice() {
        [r] => Ok(*r),
        _ => Err(PyValueError::new_err(format!(
            "j2k_cr gives {} quality layers; rs_dicom writes one layer, so give one ratio",
            ratios.len()
        ))),
    }
}

/// The encoding options from the keyword arguments (pydicom's names, plus `lossy_step`).
fn encode_options(
    jls_error: Option<u32>,
    j2k_cr: Option<&Bound<'_, PyAny>>,
    j2k_psnr: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<EncodeOptions> {
    if j2k_psnr.is_some_and(|v| !v.is_none()) {
        return Err(PyValueError::new_err(
            "j2k_psnr is not supported: rs_dicom's JPEG 2000 encoders take j2k_cr (a \
             compression ratio) or, for HTJ2K, lossy_step",
        ));
    }
    let mut opts = EncodeOptions {
        near: jls_error.unwrap_or(0),
        compression_ratio: j2k_cr
            .filter(|v| !v.is_none())
            .map(compression_ratio)
            .transpose()?,
        ..EncodeOptions::default()
    };
    for (k, v) in kwargs.into_iter().flatten() {
        let key: String = k.extract()?;
        match key.as_str() {
            "quality" => {
                let q: u8 = v.extract()?;
                if !(1..=100).contains(&q) {
                    return Err(PyValueError::new_err(format!(
                        "quality must be 1 to 100, not {q}"
                    )));
                }
                opts.quality = q;
            }
            "use_mct" | "color_transform" => opts.color_transform = v.extract()?,
            "lossy_step" => opts.lossy_step = Some(v.extract()?),
            other => {
                return Err(PyTypeError::new_err(format!(
                    "compress() got an unknown encoding option {other:?} (rs_dicom takes \
                     quality, use_mct, lossy_step, jls_error, j2k_cr)"
                )));
            }
        }
    }
    Ok(opts)
}

impl PyDataset {
    /// Replaces the dataset's elements and its file meta with `ds` and `meta`.
    fn replace(&self, py: Python<'_>, ds: Dataset, meta: Dataset) {
        *write_node(py, &self.node) = ds;
        match self.meta() {
            Some(m) => *write_node(py, &m) = meta,
            None => self.set_file(|f| f.meta = Some(SharedDataset::new(meta))),
        }
    }

    /// Copies of the dataset and of its file meta (an empty one when it has none).
    fn working_copies(&self) -> (Dataset, Dataset) {
        let ds = self.with(Dataset::clone);
        let meta = self.meta().map_or_else(Dataset::new, |m| m.read().clone());
        (ds, meta)
    }
}

/// Native pixel data from `arr` (pydicom's `compress(arr=...)`): its bytes, little endian,
/// must be exactly what the dataset's image attributes describe.
fn native_from_array(py: Python<'_>, ds: &mut Dataset, arr: &Bound<'_, PyAny>) -> PyResult<()> {
    let (a, _, size) = int_array(py, arr)?;
    let dtype = a.getattr("dtype")?;
    let le = a.call_method1("astype", (dtype.call_method1("newbyteorder", ("<",))?,))?;
    let bytes: Vec<u8> = le.call_method0("tobytes")?.extract()?;
    let vr = if size > 1 { VR::OW } else { VR::OB };
    ds.set_bytes(Tag::PIXEL_DATA, vr, bytes);
    let desc = rs_dicom::pixel::PixelDescription::from_dataset(ds).map_err(to_py)?;
    let want = desc.frame_len().unwrap_or(0) * desc.number_of_frames.max(1) as usize;
    let got = ds.raw(Tag::PIXEL_DATA).map_or(0, <[u8]>::len);
    if desc.bits_allocated != size * 8 || want != got {
        return Err(PyValueError::new_err(format!(
            "arr ({} bytes of {}) does not match the dataset's Rows, Columns, Samples per \
             Pixel, Number of Frames and Bits Allocated {} ({want} bytes)",
            got,
            dtype.str()?,
            desc.bits_allocated
        )));
    }
    Ok(())
}

#[pymethods]
impl PyDataset {
    /// Compresses the pixel data into `transfer_syntax_uid` (a UID or a short name such as
    /// 'rle' or 'htj2k-lossless'), pydicom 3's `Dataset.compress`: frames encoded in
    /// parallel, an encapsulated Pixel Data with a Basic Offset Table (or an Extended Offset
    /// Table with `encapsulate_ext=True`), Photometric Interpretation, Planar Configuration,
    /// Lossy Image Compression (with ratio and method) and the file meta's Transfer Syntax
    /// UID set to match, and a new SOP Instance UID unless `generate_instance_uid=False`.
    /// Compressed pixel data is decompressed first (a transcode). `arr` replaces the pixel
    /// data (it must match the image attributes). Encoding options: `quality` (JPEG),
    /// `jls_error` (JPEG-LS near-lossless), `j2k_cr` (JPEG 2000 ratio), `lossy_step`
    /// (HTJ2K), `use_mct` (colour transform, default True).
    #[pyo3(signature = (
        transfer_syntax_uid,
        arr=None,
        *,
        encapsulate_ext=false,
        generate_instance_uid=true,
        jls_error=None,
        j2k_cr=None,
        j2k_psnr=None,
        **kwargs
    ))]
    #[allow(clippy::too_many_arguments)]
    fn compress(
        &self,
        py: Python<'_>,
        transfer_syntax_uid: &str,
        arr: Option<&Bound<'_, PyAny>>,
        encapsulate_ext: bool,
        generate_instance_uid: bool,
        jls_error: Option<u32>,
        j2k_cr: Option<&Bound<'_, PyAny>>,
        j2k_psnr: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let ts = syntax_named(transfer_syntax_uid)?;
        let mut read_ts = self.pixel_transfer_syntax();
        let (mut ds, mut meta) = self.working_copies();
        if let Some(arr) = arr.filter(|a| !a.is_none()) {
            native_from_array(py, &mut ds, arr)?;
            read_ts = TransferSyntax::EXPLICIT_VR_LE;
        }
        let opts = CompressOptions {
            encode: encode_options(jls_error, j2k_cr, j2k_psnr, kwargs)?,
            extended_offset_table: encapsulate_ext,
            instance_uid: generate_instance_uid
                .then(|| new_instance_uid(py))
                .transpose()?,
            limits: Limits::DEFAULT,
        };
        py.detach(|| transcode::compress(&mut ds, &mut meta, read_ts, ts, &opts))
            .map_err(to_py)?;
        self.replace(py, ds, meta);
        Ok(())
    }

    /// Decompresses the pixel data into native Explicit VR Little Endian (pydicom 3's
    /// `Dataset.decompress`): YBR converted to RGB when `as_rgb`, Planar Configuration 0, a
    /// new SOP Instance UID unless `generate_instance_uid=False`.
    #[pyo3(signature = (*, as_rgb=true, generate_instance_uid=true))]
    fn decompress(
        &self,
        py: Python<'_>,
        as_rgb: bool,
        generate_instance_uid: bool,
    ) -> PyResult<()> {
        let read_ts = self.pixel_transfer_syntax();
        let (mut ds, mut meta) = self.working_copies();
        let uid = generate_instance_uid
            .then(|| new_instance_uid(py))
            .transpose()?;
        py.detach(|| {
            transcode::decompress(
                &mut ds,
                &mut meta,
                read_ts,
                as_rgb,
                uid.as_deref(),
                &Limits::DEFAULT,
            )
        })
        .map_err(to_py)?;
        self.replace(py, ds, meta);
        Ok(())
    }
}

/// `rs_dicom._core.encoders()`: the UIDs of the transfer syntaxes this build compresses into.
#[pyfunction]
pub fn encoders(py: Python<'_>) -> Vec<Bound<'_, PyString>> {
    transcode::ENCODABLE
        .iter()
        .filter_map(|&uid| TransferSyntax::from_uid(uid))
        .filter(|ts| transcode::has_encoder(ts))
        .map(|ts| PyString::new(py, ts.uid))
        .collect()
}

/// `rs_dicom._core.transfer_syntax_for_name(name)`: the UID a UID or short name (`rle`,
/// `j2k-lossless`, `explicit`, ...) stands for, or None.
#[pyfunction]
pub fn transfer_syntax_for_name(name: &str) -> Option<&'static str> {
    TransferSyntax::from_name(name).map(|t| t.uid)
}
