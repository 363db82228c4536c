//! Elements made from what a model (JSON or XML) gives: values encoded by
//! [`crate::value::encode`] in explicit VR little endian, text in the Specific Character Set
//! of the dataset being built; bulk data references kept for the caller to resolve
//! ([`set_value`]).

use std::sync::Arc;

use crate::core::{ByteOrder, Dataset, Element, ElementValue, Fragment, Source, Tag, VR};
use crate::dictionary;
use crate::error::{DicomError, ErrorKind, Result};
use crate::value::encode::{Input, encode};

/// What happens to a value that breaks its VR's rules or the dictionary's VM (values that a
/// file can hold all the same). A value that cannot be encoded at all (a US of 70000, a
/// character the character set lacks) is an error in every mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Validation {
    /// It is an error, as on assignment.
    #[default]
    Strict,
    /// It is kept as it is, and the reader reports it as a warning (pydicom's default when
    /// it reads).
    Warn,
    /// It is kept as it is.
    Off,
}

/// How model values become element values.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// What to do with values that break the rules.
    pub validation: Validation,
}

impl BuildOptions {
    /// Options with `validation`.
    pub fn new(validation: Validation) -> Self {
        BuildOptions { validation }
    }
}

/// A value given by reference (`BulkDataURI`, `<BulkData uri|uuid>`): the element was
/// created empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRef {
    /// The items leading to the dataset holding the element: (sequence tag, item index).
    pub items: Vec<(Tag, usize)>,
    /// The element.
    pub tag: Tag,
    /// Its VR.
    pub vr: VR,
    /// The URI (`urn:uuid:…` for an XML `uuid` reference).
    pub uri: String,
    /// The tag path, e.g. `(0008,1115)[0].(7FE0,0010)`.
    pub path: String,
}

/// A dataset read from a model (JSON or XML) and the values it gives by reference.
#[derive(Debug)]
pub struct Parsed {
    /// The dataset (explicit VR little endian).
    pub dataset: Dataset,
    /// The bulk data references, in document order.
    pub bulk: Vec<BulkRef>,
    /// What [`Validation::Warn`] let through: one message per value, naming where it is.
    pub warnings: Vec<String>,
}

/// An element, and (with [`Validation::Warn`]) the rule its value breaks.
pub type Built = (Element, Option<DicomError>);

/// A new sequence item of `parent`: empty, in its character set (items inherit it).
pub fn item(parent: &Dataset) -> Dataset {
    let mut item = Dataset::new();
    item.charset = parent.charset.clone();
    item
}

/// Encodes one element of `ds` (its character set), checked as `opts` says.
pub fn element(ds: &Dataset, tag: Tag, vr: VR, input: Input, opts: BuildOptions) -> Result<Built> {
    let checked = |input: Input| {
        let vm = (!tag.is_private())
            .then(|| dictionary::by_tag(tag).map(|d| d.vm))
            .flatten();
        encode(tag, vr, input, vm, ds.charset(), ByteOrder::Little)
    };
    let unchecked = |input: Input| {
        let input = unchecked_text(ds, vr, input).map_err(|msg| {
            DicomError::invalid_value(tag.to_string(), format!("{tag} {vr}: {msg}"))
        })?;
        encode(tag, vr, input, None, ds.charset(), ByteOrder::Little)
    };
    let made = |bytes: Vec<u8>| Element::new(tag, vr, bytes);
    match opts.validation {
        Validation::Strict => Ok((made(checked(input)?), None)),
        Validation::Off => Ok((made(unchecked(input)?), None)),
        // Bytes are checked the same way in every mode: no copy needed to try twice.
        Validation::Warn if matches!(input, Input::Bytes(_)) => Ok((made(checked(input)?), None)),
        Validation::Warn => match checked(input.clone()) {
            Ok(bytes) => Ok((made(bytes), None)),
            Err(e) if e.kind == ErrorKind::InvalidValue => {
                let bytes = unchecked(input)?;
                Ok((made(bytes), Some(e)))
            }
            Err(e) => Err(e),
        },
    }
}

/// Text values as the bytes they become without the VR's rules: joined
/// with backslashes, in the dataset's character set (Latin-1 for the VRs it does not cover,
/// which is how they are read).
fn unchecked_text(ds: &Dataset, vr: VR, input: Input) -> std::result::Result<Input, String> {
    let Input::Text(values) = input else {
        return Ok(input);
    };
    if !vr.is_text() {
        return Ok(Input::Text(values));
    }
    let joined = values.join("\\");
    let bytes = if !vr.uses_charset() && joined.chars().all(|c| (c as u32) < 0x100) {
        joined.chars().map(|c| c as u8).collect()
    } else {
        ds.charset().encode(&joined).map_err(|e| {
            format!(
                "{:?} cannot be written in {}: set SpecificCharacterSet (0008,0005) to \
                 'ISO_IR 192' (UTF-8) first",
                e.character, e.charset
            )
        })?
    };
    Ok(Input::Bytes(bytes))
}

/// Encapsulated pixel data given inline (the item stream, as the writers of rs_dicom and
/// pydicom write it): an element of fragments again, so that a file written from it keeps
/// its pixel data encapsulated. `None` unless `bytes` is exactly a stream of items.
pub fn encapsulated(tag: Tag, vr: VR, bytes: &[u8]) -> Option<Element> {
    // OW too: some files (and so their models) give encapsulated pixel data that VR.
    if tag != Tag::PIXEL_DATA || !matches!(vr, VR::OB | VR::OW) || bytes.len() < 8 {
        return None;
    }
    let mut spans = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let group = ByteOrder::Little.read::<u16>(bytes, at)?;
        let elem = ByteOrder::Little.read::<u16>(bytes, at + 2)?;
        let len = ByteOrder::Little.read::<u32>(bytes, at + 4)? as usize;
        if Tag(group, elem) != Tag::ITEM || len == 0xFFFF_FFFF {
            return None;
        }
        let start = at + 8;
        let end = start.checked_add(len).filter(|&e| e <= bytes.len())?;
        spans.push(Fragment { offset: start, len });
        at = end;
    }
    let (offset_table, fragments) = spans.split_first()?;
    Some(Element {
        tag,
        vr,
        length: None,
        offset: crate::core::NO_OFFSET,
        value: ElementValue::Encapsulated {
            offset_table: *offset_table,
            fragments: fragments.to_vec(),
            buffer: Some(Arc::new(Source::Owned(bytes.to_vec()))),
        },
    })
}

/// A binary value (`InlineBinary`) as an element: encapsulated pixel data stays
/// encapsulated, anything else is encoded (and checked) as bytes.
pub fn binary(ds: &Dataset, tag: Tag, vr: VR, bytes: Vec<u8>, opts: BuildOptions) -> Result<Built> {
    match encapsulated(tag, vr, &bytes) {
        Some(e) => Ok((e, None)),
        None => element(ds, tag, vr, Input::Bytes(bytes), opts),
    }
}

/// Sets the value of the element a [`BulkRef`] names (what the caller fetched from its URI),
/// encoded like every other value; `Some(warning)` for a value [`Validation::Warn`] let
/// through.
pub fn set_value(
    root: &mut Dataset,
    r: &BulkRef,
    input: Input,
    opts: BuildOptions,
) -> Result<Option<String>> {
    fn at(
        ds: &mut Dataset,
        r: &BulkRef,
        links: &[(Tag, usize)],
        input: Input,
        opts: BuildOptions,
    ) -> Result<Option<String>> {
        let Some(((seq, index), rest)) = links.split_first() else {
            if r.vr == VR::SQ {
                return Err(DicomError::invalid_value(
                    r.path.clone(),
                    "a sequence's bulk data cannot be set as a value",
                ));
            }
            let element = match input {
                Input::Bytes(b) => binary(ds, r.tag, r.vr, b, opts),
                other => element(ds, r.tag, r.vr, other, opts),
            };
            let (element, warning) = element.map_err(|e| DicomError {
                path: r.path.clone(),
                ..e
            })?;
            ds.insert(element);
            return Ok(warning.map(|w| format!("{}: {}", r.path, w.message)));
        };
        let item = ds
            .get(*seq)
            .and_then(|e| e.items())
            .and_then(|items| items.get(*index))
            .cloned()
            .ok_or_else(|| DicomError::invalid_value(r.path.clone(), "the item is gone"))?;
        let mut item = item.write();
        at(&mut item, r, rest, input, opts)
    }
    at(root, r, &r.items, input, opts)
}
