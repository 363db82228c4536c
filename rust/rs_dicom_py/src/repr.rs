//! Text, HTML and PNG representations of datasets and elements, made in Rust by the core's
//! `dump` module; the only Python used is `repr()` of `str` objects (pydicom-like element
//! reprs quote text as Python does). Nothing is imported from the package.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use rs_dicom::core::{Dataset, Element};
use rs_dicom::dump::{self, Item, Shown, TreeLines, TreeOptions};

use crate::errors::to_py;
use crate::handle::PyDataset;
use crate::handle::PyElement;

/// Element reprs cut values to this many characters.
const REPR_VALUE_CHARS: usize = dump::MAX_VALUE_CHARS;
/// Binary values in element reprs: shown whole up to this many bytes, else previewed in
/// this many characters.
const REPR_FULL_BYTES: usize = 16;
const REPR_BINARY_CHARS: usize = 62;
/// The thumbnail in the HTML table has at most this many pixels on a side.
const HTML_THUMBNAIL_SIZE: u32 = 256;
/// `_repr_png_` images have at most this many pixels on a side.
const PNG_SIZE: u32 = 512;

/// PNG bytes of the first frame of `ds`, at most `size` pixels on a side; `None` when there is
/// no pixel data or it cannot be decoded (a representation never fails because of pixels).
///
/// The one place `_repr_png_` and the HTML thumbnail get images from.
fn thumbnail_png(py: Python<'_>, ds: &PyDataset, size: u32) -> Option<Vec<u8>> {
    crate::thumbnail::png_thumbnail(py, ds, size as usize, 0, None).ok()
}

/// A Python int as a count of characters or rows: negative numbers act as 0, as they did.
fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// Runs `f` on the element with its dataset's read lock held (`f` must not touch Python);
/// `Err(message)` when the element is no longer in the dataset.
fn with_element<R>(elem: &PyElement, f: impl FnOnce(&Dataset, &Element) -> R) -> Result<R, String> {
    elem.with_found(f)
}

fn gone(message: String) -> PyErr {
    pyo3::exceptions::PyKeyError::new_err(message)
}

/// `repr(dataset)`: the tree, file meta first, values cut to 80 characters.
pub fn dataset_repr(ds: &PyDataset) -> String {
    let meta = ds.meta();
    let node = ds.node.read();
    let meta = meta.as_ref().map(|m| m.read());
    dump::dataset_text(&node, meta.as_deref())
}

/// The lines of a dataset's tree, made as they are asked for (a large tree is printed
/// without being held whole).
#[pyclass(name = "TreeLines", module = "rs_dicom._core")]
pub struct PyTreeLines {
    lines: TreeLines<'static>,
}

#[pymethods]
impl PyTreeLines {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self) -> Option<String> {
        self.lines.next()
    }
}

/// `Dataset._repr_html_`: the HTML table, with a thumbnail when there are pixels to show.
pub fn dataset_html(py: Python<'_>, ds: &PyDataset, max_rows: usize) -> String {
    let png = thumbnail_png(py, ds, HTML_THUMBNAIL_SIZE);
    let meta = ds.meta();
    let node = ds.node.read();
    let meta = meta.as_ref().map(|m| m.read());
    dump::dataset_html(&node, meta.as_deref(), max_rows, png.as_deref())
}

/// `Dataset._repr_png_`: the first frame as PNG, or None.
pub fn dataset_png<'py>(py: Python<'py>, ds: &PyDataset) -> Option<Bound<'py, PyBytes>> {
    thumbnail_png(py, ds, PNG_SIZE).map(|png| PyBytes::new(py, &png))
}

/// One value of an element repr: text for Python to quote, or text as it is.
enum Part {
    Quoted(String),
    Plain(String),
}

/// What an element repr shows, taken under the dataset's lock (no Python objects).
enum Shape {
    Done(String),
    One(Part),
    List(Vec<Part>),
}

/// `str(value)` of one value as Python prints it.
fn part(item: Item) -> Part {
    match item {
        Item::Str(s) => Part::Quoted(s),
        Item::Int(i) => Part::Plain(i.to_string()),
        Item::UInt(u) => Part::Plain(u.to_string()),
        Item::Float(f) => Part::Plain(dump::float_repr(f)),
        Item::Tag(t) => Part::Plain(t.to_string()),
    }
}

fn shape(ds: &Dataset, e: &Element) -> Shape {
    let value = dump::shown(ds, e);
    if let Shown::Bytes(binary) = &value {
        return Shape::Done(match dump::check_value(ds, e, &value) {
            Err(err) => format!("<error: {}>", dump::cut_line(&err.to_string(), None, "")),
            Ok(()) => format!(
                "<{}>",
                dump::binary_text(binary, Some(REPR_BINARY_CHARS), REPR_FULL_BYTES)
            ),
        });
    }
    match value {
        Shown::Items(items) => {
            let n = items.len();
            Shape::Done(format!(
                "<Sequence, {n} item{}>",
                if n == 1 { "" } else { "s" }
            ))
        }
        Shown::None | Shown::Bytes(_) => Shape::Done("None".to_string()),
        Shown::One(item) => Shape::One(part(item)),
        Shown::List(items) => Shape::List(items.into_iter().map(part).collect()),
    }
}

/// Python's `repr()` of a `str` (quotes and escapes chosen as Python does).
fn quoted(py: Python<'_>, text: &str) -> PyResult<String> {
    PyString::new(py, text).repr()?.extract()
}

/// `Element.__repr__`, pydicom-like: `(0010,0010) Patient's Name    PN: 'Doe^John'`.
pub fn element_repr(py: Python<'_>, elem: &PyElement) -> PyResult<String> {
    let (name, vr, shape) = with_element(elem, |ds, e| {
        (dump::element_name(e.tag), e.vr, shape(ds, e))
    })
    .map_err(gone)?;
    let text = match shape {
        Shape::Done(text) => text,
        Shape::One(Part::Plain(text)) => text,
        Shape::One(Part::Quoted(s)) => {
            dump::cut_line(&quoted(py, &s)?, Some(REPR_VALUE_CHARS), "'")
        }
        Shape::List(parts) => {
            // Python's list repr, built only as far as the cut needs.
            let mut out = String::from("[");
            let mut chars = 1;
            for (i, p) in parts.into_iter().enumerate() {
                if chars > REPR_VALUE_CHARS {
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                    chars += 2;
                }
                let text = match p {
                    Part::Quoted(s) => quoted(py, &s)?,
                    Part::Plain(text) => text,
                };
                chars += text.chars().count();
                out.push_str(&text);
            }
            out.push(']');
            dump::cut_line(&out, Some(REPR_VALUE_CHARS), "]")
        }
    };
    Ok(format!("{} {name:<35} {vr}: {text}", elem.tag))
}

/// The dcmdump-like tree of `ds`, line by line (`rs_dicom._repr.tree_lines`).
#[pyfunction]
fn _tree_lines(
    ds: &Bound<'_, PyDataset>,
    width: Option<i64>,
    value_limit: i64,
    file_meta: bool,
) -> PyTreeLines {
    let options = TreeOptions {
        width: width.map(count),
        value_limit: count(value_limit),
    };
    let ds = ds.get();
    let meta = file_meta.then(|| ds.meta()).flatten();
    PyTreeLines {
        lines: TreeLines::shared(ds.node.clone(), meta, &options),
    }
}

/// An element's value as plain one-line text (`rs_dicom._repr.plain_value`).
#[pyfunction]
fn _plain_value(elem: &Bound<'_, PyElement>, limit: Option<i64>) -> PyResult<String> {
    let limit = limit.map(count);
    with_element(elem.get(), |ds, e| dump::plain_value(ds, e, limit))
        .map_err(gone)?
        .map_err(to_py)
}

/// The value column of the tree (`rs_dicom._repr.value_text`); never fails.
#[pyfunction]
fn _value_text(elem: &Bound<'_, PyElement>, limit: Option<i64>) -> String {
    let limit = limit.map(count);
    with_element(elem.get(), |ds, e| dump::value_text(ds, e, limit))
        .unwrap_or_else(|message| dump::cut_line(&format!("(error: '{message}')"), limit, ""))
}

/// The keyword column for `elem`, private creators looked up in `ds`.
#[pyfunction]
fn _keyword_text(elem: &Bound<'_, PyElement>, ds: Option<&Bound<'_, PyDataset>>) -> String {
    let tag = elem.get().tag;
    match ds {
        Some(ds) => dump::keyword_text(tag, Some(&ds.get().node.read())),
        None => dump::keyword_text(tag, None),
    }
}

/// The HTML table of `ds` (`rs_dicom._repr.dataset_html`).
#[pyfunction]
fn _dataset_html(py: Python<'_>, ds: &Bound<'_, PyDataset>, max_rows: i64) -> String {
    dataset_html(py, ds.get(), count(max_rows))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTreeLines>()?;
    m.add_function(wrap_pyfunction!(_tree_lines, m)?)?;
    m.add_function(wrap_pyfunction!(_plain_value, m)?)?;
    m.add_function(wrap_pyfunction!(_value_text, m)?)?;
    m.add_function(wrap_pyfunction!(_keyword_text, m)?)?;
    m.add_function(wrap_pyfunction!(_dataset_html, m)?)?;
    Ok(())
}
