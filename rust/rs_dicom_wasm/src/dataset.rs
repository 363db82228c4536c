//! The JS `Dataset`: a parsed file (or one sequence item) with element access by tag or
//! keyword, and the DICOM JSON model.

#[cfg(feature = "pixels")]
use std::cell::OnceCell;

use js_sys::{Array, Object};
use rs_dicom::core::{Dataset as CoreDataset, Element, Tag, TransferSyntax};
use rs_dicom::dictionary;
use rs_dicom::json::{BulkData, JsonOptions, to_json};
use rs_dicom::parser::DicomFile;
use wasm_bindgen::prelude::*;

use crate::error::{set, to_js, type_error};
use crate::value::value_of;

/// A parsed dataset: the file's dataset (with its file meta) or a sequence item.
#[wasm_bindgen]
pub struct Dataset {
    pub(crate) ds: CoreDataset,
    pub(crate) meta: Option<CoreDataset>,
    pub(crate) ts: &'static TransferSyntax,
    /// The pixel data description and frame map, made on first use (frames and renders of
    /// one dataset then share it).
    #[cfg(feature = "pixels")]
    pub(crate) pixels: OnceCell<rs_dicom::Result<Option<rs_dicom::pixel::PixelData>>>,
}

impl Dataset {
    pub(crate) fn from_file(file: DicomFile) -> Dataset {
        Dataset {
            ds: file.dataset,
            meta: Some(file.meta),
            ts: file.transfer_syntax,
            #[cfg(feature = "pixels")]
            pixels: OnceCell::new(),
        }
    }

    /// The JS value of one of this dataset's elements.
    fn value(&self, e: &Element) -> JsValue {
        let ts = self.ts;
        value_of(&self.ds, e, &|item| {
            JsValue::from(Dataset::item(item.clone(), ts))
        })
    }

    /// A sequence item (read with its parent's transfer syntax).
    pub(crate) fn item(ds: CoreDataset, ts: &'static TransferSyntax) -> Dataset {
        Dataset {
            ds,
            meta: None,
            ts,
            #[cfg(feature = "pixels")]
            pixels: OnceCell::new(),
        }
    }

    fn lookup(&self, key: &JsValue) -> Result<Option<&Element>, JsValue> {
        Ok(self.ds.get(tag_of(key)?))
    }

    fn element_object(&self, e: &Element) -> JsValue {
        let o = Object::new();
        set(&o, "tag", &JsValue::from_f64(f64::from(e.tag.as_u32())));
        set(&o, "vr", &JsValue::from_str(&e.vr.to_string()));
        let keyword = dictionary::by_tag(e.tag).map_or("", |d| d.keyword);
        set(&o, "keyword", &JsValue::from_str(keyword));
        set(
            &o,
            "length",
            &e.length
                .map_or(JsValue::NULL, |n| JsValue::from_f64(f64::from(n))),
        );
        set(&o, "offset", &JsValue::from_f64(e.offset as f64));
        set(&o, "value", &self.value(e));
        o.into()
    }
}

/// A tag from a number (`0x00100010`), a keyword (`"PatientName"`), `"GGGGEEEE"` or
/// `"(GGGG,EEEE)"`.
pub(crate) fn tag_of(key: &JsValue) -> Result<Tag, JsValue> {
    if let Some(n) = key.as_f64() {
        if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
            return Ok(Tag::from(n as u32));
        }
        return Err(type_error(&format!("{n} is not a tag (0 to 0xFFFFFFFF)")));
    }
    let Some(s) = key.as_string() else {
        return Err(type_error("a tag is a number, a keyword or \"GGGGEEEE\""));
    };
    if let Some(t) = dictionary::tag_for_keyword(&s) {
        return Ok(t);
    }
    let hex: String = s.chars().filter(|c| !"(), ".contains(*c)).collect();
    if hex.len() == 8
        && let Ok(v) = u32::from_str_radix(&hex, 16)
    {
        return Ok(Tag::from(v));
    }
    Err(type_error(&format!("unknown keyword or tag {s:?}")))
}

#[wasm_bindgen]
impl Dataset {
    /// The transfer syntax UID the dataset was read with.
    #[wasm_bindgen(getter, js_name = transferSyntaxUID)]
    pub fn transfer_syntax_uid(&self) -> String {
        self.ts.uid.to_string()
    }

    /// The file meta information group, `undefined` for a sequence item.
    #[wasm_bindgen(getter)]
    pub fn meta(&self) -> Option<Dataset> {
        self.meta
            .as_ref()
            .map(|m| Dataset::item(m.clone(), self.ts))
    }

    /// The number of (top-level) elements.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.ds.len()
    }

    /// The tags of the elements, in order.
    pub fn tags(&self) -> Vec<u32> {
        self.ds.iter().map(|e| e.tag.as_u32()).collect()
    }

    /// Whether the dataset has an element.
    pub fn has(&self, key: JsValue) -> Result<bool, JsValue> {
        Ok(self.lookup(&key)?.is_some())
    }

    /// The element `{ tag, vr, keyword, length, offset, value }`, `undefined` when absent.
    pub fn element(&self, key: JsValue) -> Result<JsValue, JsValue> {
        Ok(self
            .lookup(&key)?
            .map_or(JsValue::UNDEFINED, |e| self.element_object(e)))
    }

    /// The value of an element, `undefined` when absent.
    pub fn get(&self, key: JsValue) -> Result<JsValue, JsValue> {
        Ok(self
            .lookup(&key)?
            .map_or(JsValue::UNDEFINED, |e| self.value(e)))
    }

    /// Every element, in tag order.
    pub fn elements(&self) -> Array {
        self.ds.iter().map(|e| self.element_object(e)).collect()
    }

    /// The DICOM JSON model (PS3.18 F.2) as text; `indent`: spaces per level (one line when
    /// absent); `bulkData`: `"inline"` (base64, the default) or `"omit"`.
    #[wasm_bindgen(js_name = toJSONString)]
    pub fn to_json_string(
        &self,
        indent: Option<usize>,
        bulk_data: Option<String>,
    ) -> Result<String, JsValue> {
        let bulk = match bulk_data.as_deref() {
            None | Some("inline") => BulkData::Inline,
            Some("omit") => BulkData::Omit,
            Some(other) => {
                return Err(type_error(&format!(
                    "bulkData is \"inline\" or \"omit\", not {other:?}"
                )));
            }
        };
        let opts = JsonOptions {
            bulk_data: bulk,
            indent,
            ..Default::default()
        };
        to_json(&self.ds, &opts).map_err(to_js)
    }

    /// The DICOM JSON model as an object (so `JSON.stringify(dataset)` writes it).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        js_sys::JSON::parse(&self.to_json_string(None, None)?)
    }
}
