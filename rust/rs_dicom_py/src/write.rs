//! Writing from Python: `ds.save_as(...)`, `rs_dicom.dcmwrite(...)` and pickling, with
//! pydicom 3's arguments. Files are written atomically (a temporary file renamed over the
//! target: never half a file, never into the file being read); binary file objects get the
//! bytes.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use rs_dicom::core::{Dataset, ElementValue, NO_OFFSET, SharedDataset, Tag, TransferSyntax, VR};
use rs_dicom::writer::{
    FileParts, Lengths, WriteOptions, encoding_syntax, from_items, prepare_meta, write_atomically,
    write_file,
};
use rs_dicom::{DicomError, ErrorKind};

use crate::errors::to_py;
use crate::handle::PyDataset;

/// Everything needed to write, taken from the Python objects (no lock held afterwards).
pub(crate) struct Plan {
    pub(crate) dataset: Dataset,
    pub(crate) meta: Option<Dataset>,
    preamble: Option<Vec<u8>>,
    pub(crate) ts: &'static TransferSyntax,
}

fn meta_ts(meta: Option<&SharedDataset>) -> Option<&'static TransferSyntax> {
    let m = meta?.read();
    let raw = m.raw(Tag::TRANSFER_SYNTAX_UID)?;
    // An unregistered UID in the DICOM root is an encapsulated syntax no codec knows: the
    // dataset is written in it (with that UID) rather than silently in the syntax as read.
    TransferSyntax::from_uid(&String::from_utf8_lossy(raw))
}

fn write_error(msg: String) -> DicomError {
    DicomError::new(ErrorKind::Write, None, "(0002,0010)", msg)
}

fn pixel_error(msg: String) -> DicomError {
    DicomError::new(ErrorKind::Write, None, Tag::PIXEL_DATA.to_string(), msg)
}

/// Pixel Data holding the bytes of encapsulated items, made an encapsulated value.
fn encapsulate_items(ds: &mut Dataset) -> Result<(), DicomError> {
    let Some(e) = ds.get(Tag::PIXEL_DATA) else {
        return Ok(());
    };
    let value = from_items(Arc::from(ds.bytes_of(e)))?;
    let mut e = e.clone();
    // Encapsulated data is OB (PS3.5 A.4).
    e.vr = VR::OB;
    e.value = value;
    e.length = None;
    e.offset = NO_OFFSET;
    ds.insert(e);
    Ok(())
}

/// Chooses the transfer syntax (arguments, else the file meta's, else as read, else explicit
/// VR little endian) and prepares the meta group and preamble.
pub(crate) fn plan(
    ds: &PyDataset,
    implicit_vr: Option<bool>,
    little_endian: Option<bool>,
    enforce: bool,
) -> Result<Plan, DicomError> {
    let file = ds.file();
    let from_meta = meta_ts(file.meta.as_ref());
    // The file's record wins over the dataset's: an unpickled dataset keeps the syntax it
    // was pickled from although its bytes were carried in explicit VR.
    let as_read = ds.with(|d| {
        file.transfer_syntax
            .or(d.transfer_syntax())
            .map_or((d.explicit_vr(), d.big_endian()), |t| {
                (t.explicit_vr, t.big_endian)
            })
    });
    let ts = match (implicit_vr, little_endian, from_meta) {
        (None, None, Some(ts)) => ts,
        (None, None, None) => file
            .transfer_syntax
            .or_else(|| ds.with(Dataset::transfer_syntax))
            .unwrap_or(TransferSyntax::EXPLICIT_VR_LE),
        (i, l, meta) => {
            let implicit = i.unwrap_or_else(|| meta.map_or(!as_read.0, |t| !t.explicit_vr));
            let little = l.unwrap_or_else(|| meta.map_or(!as_read.1, |t| !t.big_endian));
            let chosen = encoding_syntax(implicit, little)?;
            if let Some(meta) = meta
                && (meta.explicit_vr != chosen.explicit_vr || meta.big_endian != chosen.big_endian)
            {
                return Err(write_error(format!(
                    "implicit_vr={implicit}, little_endian={little} contradict the file meta's \
                     Transfer Syntax UID {} ({}): change file_meta.TransferSyntaxUID",
                    meta.uid, meta.name
                )));
            }
            meta.filter(|m| m.encapsulated).unwrap_or(chosen)
        }
    };
    let mut dataset = ds.with(Dataset::clone);
    let pixels = dataset.get(Tag::PIXEL_DATA).map(|e| &e.value);
    match pixels {
        Some(ElementValue::Encapsulated { .. }) if !ts.encapsulated => {
            return Err(pixel_error(format!(
                "the pixel data is compressed but {} is not: decompress it first",
                ts.name
            )));
        }
        Some(ElementValue::Bytes { .. } | ElementValue::Owned(_)) if ts.encapsulated => {
            // Items made by the caller (pydicom's `ds.PixelData = encapsulate(frames)`) are
            // written as encapsulated data; anything else is native data with no encoder.
            encapsulate_items(&mut dataset).map_err(|err| {
                pixel_error(format!(
                    "{} needs compressed (encapsulated) pixel data and the dataset's is native \
                     ({}); rs_dicom has no encoder for it",
                    ts.name, err.message
                ))
            })?;
        }
        _ => {}
    }
    let meta = {
        let m = file.meta.as_ref().map(|m| m.read().clone());
        prepare_meta(m.as_ref(), &dataset, ts, enforce)?
    };
    let preamble = file
        .preamble
        .clone()
        .or_else(|| enforce.then(|| vec![0u8; 128]));
    Ok(Plan {
        dataset,
        meta,
        preamble,
        ts,
    })
}

fn encode(
    plan: &Plan,
    lengths: Lengths,
) -> impl Fn(&mut dyn std::io::Write) -> Result<(), DicomError> + '_ {
    move |out| {
        let parts = FileParts {
            preamble: plan.preamble.as_deref(),
            meta: plan.meta.as_ref(),
            dataset: &plan.dataset,
        };
        let opts = WriteOptions {
            transfer_syntax: plan.ts,
            lengths,
        };
        write_file(out, parts, &opts).map(|_| ())
    }
}

fn target(filename: &Bound<'_, PyAny>) -> PyResult<Option<PathBuf>> {
    if filename.is_instance_of::<PyString>() || filename.hasattr("__fspath__")? {
        return Ok(Some(filename.extract()?));
    }
    if filename.hasattr("write")? {
        return Ok(None);
    }
    Err(PyTypeError::new_err(format!(
        "a path or a binary file object to write to, not {}",
        filename.get_type().name()?
    )))
}

/// Sequence and item lengths from `undefined_length`: as read (None), all undefined with
/// delimiters (True) or all defined (False).
fn lengths(undefined_length: Option<bool>) -> Lengths {
    match undefined_length {
        None => Lengths::AsRead,
        Some(true) => Lengths::Undefined,
        Some(false) => Lengths::Defined,
    }
}

/// How to write, from the keyword arguments of `save_as` and `dcmwrite`.
struct SaveArgs {
    implicit_vr: Option<bool>,
    little_endian: Option<bool>,
    enforce_file_format: bool,
    overwrite: bool,
    undefined_length: Option<bool>,
}

/// Writes `ds` to `filename` (path or binary file object).
fn save(
    py: Python<'_>,
    ds: &PyDataset,
    filename: &Bound<'_, PyAny>,
    args: &SaveArgs,
) -> PyResult<()> {
    let plan = plan(
        ds,
        args.implicit_vr,
        args.little_endian,
        args.enforce_file_format,
    )
    .map_err(to_py)?;
    let overwrite = args.overwrite;
    let write = encode(&plan, lengths(args.undefined_length));
    match target(filename)? {
        Some(path) => py
            .detach(|| write_atomically(&path, overwrite, |out| write(out)))
            .map_err(to_py),
        None => {
            let mut bytes = Vec::new();
            write(&mut bytes).map_err(to_py)?;
            filename.call_method1("write", (PyBytes::new(py, &bytes),))?;
            Ok(())
        }
    }
}

#[pymethods]
impl PyDataset {
    /// Writes the dataset as a DICOM file (pydicom 3's `save_as`): in the encoding of
    /// `implicit_vr`/`little_endian`, else the file meta's Transfer Syntax UID, else the one
    /// it was read with (explicit VR little endian for new datasets). With
    /// `enforce_file_format` the preamble and a complete file meta are written.
    /// `undefined_length`: sequences and items as read (None; new ones undefined), all
    /// undefined with delimiters (True) or all with defined lengths (False).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (filename, /, implicit_vr=None, little_endian=None, enforce_file_format=false, overwrite=true, *, undefined_length=None))]
    fn save_as(
        &self,
        py: Python<'_>,
        filename: &Bound<'_, PyAny>,
        implicit_vr: Option<bool>,
        little_endian: Option<bool>,
        enforce_file_format: bool,
        overwrite: bool,
        undefined_length: Option<bool>,
    ) -> PyResult<()> {
        let args = SaveArgs {
            implicit_vr,
            little_endian,
            enforce_file_format,
            overwrite,
            undefined_length,
        };
        save(py, self, filename, &args)
    }

    /// Pickles as the bytes of the file it would be written as, carried in explicit VR when
    /// the dataset's syntax is implicit (so private VRs survive) with the syntax beside them.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let py = slf.py();
        let ds = slf.get();
        let mut plan = plan(ds, None, None, false).map_err(to_py)?;
        // Always a preamble and meta, so that the bytes read back as a file.
        plan.preamble.get_or_insert_with(|| vec![0u8; 128]);
        let carried = if plan.ts.explicit_vr {
            None
        } else {
            let original = plan.ts.uid;
            plan.ts = TransferSyntax::EXPLICIT_VR_LE;
            if let Some(meta) = plan.meta.as_mut() {
                set_ts_uid(meta, TransferSyntax::EXPLICIT_VR_LE.uid);
            }
            Some(original)
        };
        let mut bytes = Vec::new();
        encode(&plan, Lengths::AsRead)(&mut bytes).map_err(to_py)?;
        // The function of this very extension module (pickle finds it by module and name).
        let unpickle = py.import("rs_dicom._core")?.getattr("_unpickle")?;
        Ok((unpickle, (PyBytes::new(py, &bytes), carried)))
    }
}

/// What `__reduce__` returns: the unpickling function and its arguments (bytes, syntax).
type Reduced<'py> = (
    Bound<'py, PyAny>,
    (Bound<'py, PyBytes>, Option<&'static str>),
);

fn set_ts_uid(meta: &mut Dataset, uid: &str) {
    let mut value = uid.as_bytes().to_vec();
    if value.len() % 2 == 1 {
        value.push(0);
    }
    meta.set_bytes(Tag::TRANSFER_SYNTAX_UID, rs_dicom::core::VR::UI, value);
}

/// Reads a pickled dataset back; `syntax` is the one it had when its bytes were carried in
/// another.
#[pyfunction]
#[pyo3(signature = (data, syntax=None))]
fn _unpickle(data: Vec<u8>, syntax: Option<&str>) -> PyResult<PyDataset> {
    let file = rs_dicom::parser::parse_source(
        std::sync::Arc::new(rs_dicom::core::Source::Owned(data)),
        rs_dicom::parser::ReadOptions {
            force: true,
            ..Default::default()
        },
    )
    .map_err(to_py)?;
    let ds = crate::read::dataset_of(file, None);
    if let Some(ts) = syntax.and_then(TransferSyntax::lookup) {
        if let Some(meta) = ds.meta() {
            set_ts_uid(&mut meta.write(), ts.uid);
        }
        ds.set_file(|f| f.transfer_syntax = Some(ts));
    }
    Ok(ds)
}

/// Writes `dataset` to `filename` (pydicom 3's `dcmwrite`; `undefined_length` as in
/// `save_as`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (filename, dataset, /, *, implicit_vr=None, little_endian=None, enforce_file_format=false, overwrite=true, undefined_length=None))]
fn dcmwrite(
    py: Python<'_>,
    filename: &Bound<'_, PyAny>,
    dataset: &Bound<'_, PyDataset>,
    implicit_vr: Option<bool>,
    little_endian: Option<bool>,
    enforce_file_format: bool,
    overwrite: bool,
    undefined_length: Option<bool>,
) -> PyResult<()> {
    if implicit_vr == Some(true) && little_endian == Some(false) {
        return Err(PyValueError::new_err(
            "implicit VR big endian is not a transfer syntax",
        ));
    }
    let args = SaveArgs {
        implicit_vr,
        little_endian,
        enforce_file_format,
        overwrite,
        undefined_length,
    };
    save(py, dataset.get(), filename, &args)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dcmwrite, m)?)?;
    m.add_function(wrap_pyfunction!(_unpickle, m)?)?;
    Ok(())
}
