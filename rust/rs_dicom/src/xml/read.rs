//! Native DICOM Model XML → Dataset (phase two of reading): the attributes [`super::parse`]
//! found become elements built by [`crate::model::build`]. Private attributes written as
//! `gggg00ee` with a `privateCreator` go to the block of that creator in their dataset (a
//! block and its creator element are made when the dataset has none); `<BulkData>`
//! references are returned with where they belong, for the caller to fetch and set.

use std::collections::HashSet;

use super::names;
use super::parse::{Content, Parser, RawAttr, line_of};
use crate::core::{Dataset, Element, Limits, SharedDataset, Tag, VR};
use crate::dictionary;
use crate::error::{DicomError, ErrorKind, Result};
use crate::model::build::{self, BuildOptions, BulkRef, Parsed};
use crate::model::inline;
use crate::model::path::{ItemPath, links, tag_path};
use crate::value::encode::Input;

/// Reads Native DICOM Model XML text (UTF-8).
pub fn from_xml(text: &str, opts: BuildOptions) -> Result<Parsed> {
    from_xml_bytes(text.as_bytes(), opts)
}

/// Reads Native DICOM Model XML bytes: UTF-8, or the encoding its declaration names when
/// that is ISO-8859-1 (DCMTK writes datasets in Latin-1 so unless asked to convert).
pub fn from_xml_bytes(bytes: &[u8], opts: BuildOptions) -> Result<Parsed> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let converted;
    let text: &[u8] = match declared_encoding(bytes) {
        None => bytes,
        Some(enc) if matches!(enc.as_str(), "utf-8" | "utf8") => bytes,
        Some(enc) if matches!(enc.as_str(), "iso-8859-1" | "latin1" | "latin-1") => {
            converted = bytes.iter().map(|&b| char::from(b)).collect::<String>();
            converted.as_bytes()
        }
        Some(enc) => {
            return Err(DicomError::new(
                ErrorKind::Malformed,
                Some(0),
                "",
                format!("XML line 1: encoding {enc:?} is not supported (UTF-8 or ISO-8859-1)"),
            ));
        }
    };
    if let Err(e) = std::str::from_utf8(text) {
        let at = e.valid_up_to() as u64;
        return Err(DicomError::new(
            ErrorKind::Malformed,
            Some(at),
            "",
            format!("XML line {}: not UTF-8 text", line_of(text, at)),
        ));
    }
    let attrs = Parser::new(text, Limits::default().max_depth).document()?;
    let mut reader = Reader {
        text,
        opts,
        bulk: Vec::new(),
        warnings: Vec::new(),
    };
    let mut dataset = Dataset::new();
    reader.dataset(&mut dataset, attrs, None)?;
    Ok(Parsed {
        dataset,
        bulk: reader.bulk,
        warnings: reader.warnings,
    })
}

/// The lower-cased `encoding` of the XML declaration, if there is one.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.strip_prefix(b"<?xml")?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    let value = rest[1..].split(quote).next()?;
    Some(value.trim().to_ascii_lowercase())
}

struct Reader<'a> {
    text: &'a [u8],
    opts: BuildOptions,
    bulk: Vec<BulkRef>,
    warnings: Vec<String>,
}

impl Reader<'_> {
    /// The element, its tolerated rule break (if any) kept as a warning naming where it is.
    fn keep(
        &mut self,
        built: Result<build::Built>,
        a: &RawAttr,
        at: Option<&ItemPath<'_>>,
        tag: Tag,
    ) -> Result<Element> {
        let (element, warning) = built.map_err(|e| self.fail(a, at, tag, e))?;
        if let Some(w) = warning {
            let w = self.fail(a, at, tag, w).to_string();
            self.warnings.push(w);
        }
        Ok(element)
    }

    fn fail(&self, a: &RawAttr, at: Option<&ItemPath<'_>>, tag: Tag, e: DicomError) -> DicomError {
        DicomError::new(
            e.kind,
            Some(a.pos),
            tag_path(at, tag),
            format!("XML line {}: {}", line_of(self.text, a.pos), e.message),
        )
    }

    fn malformed(
        &self,
        a: &RawAttr,
        at: Option<&ItemPath<'_>>,
        tag: Tag,
        msg: String,
    ) -> DicomError {
        self.fail(
            a,
            at,
            tag,
            DicomError::new(ErrorKind::Malformed, None, "", msg),
        )
    }

    fn dataset(
        &mut self,
        ds: &mut Dataset,
        mut attrs: Vec<RawAttr>,
        at: Option<&ItemPath<'_>>,
    ) -> Result<()> {
        let tags = self.resolve_private(ds, &mut attrs, at)?;
        let mut order: Vec<usize> = (0..attrs.len()).collect();
        // Text is encoded in the dataset's character set: set it first.
        order.sort_by_key(|&i| (tags[i] != Tag::SPECIFIC_CHARACTER_SET, tags[i]));
        let mut attrs: Vec<Option<RawAttr>> = attrs.into_iter().map(Some).collect();
        let mut seen = HashSet::new();
        for i in order {
            let Some(a) = attrs[i].take() else { continue };
            let tag = tags[i];
            if !seen.insert(tag) {
                return Err(self.malformed(&a, at, tag, format!("{tag} appears twice")));
            }
            let element = self.attribute(ds, tag, a, at)?;
            ds.insert(element);
        }
        Ok(())
    }

    /// The tag of every attribute: private ones named by creator go to that creator's block,
    /// which is made (with its creator element) when the dataset has none.
    fn resolve_private(
        &mut self,
        ds: &mut Dataset,
        attrs: &mut [RawAttr],
        at: Option<&ItemPath<'_>>,
    ) -> Result<Vec<Tag>> {
        let mut creators: Vec<(u16, String, u16)> = Vec::new();
        for a in attrs.iter() {
            let tag = Tag::from_u32(a.tag);
            // A creator element has no privateCreator; a data element written gggg00ee has.
            if tag.is_private_creator()
                && a.creator.is_none()
                && let Content::Values(v) = &a.content
                && let Some(Some(name)) = v.first()
            {
                creators.push((
                    tag.group(),
                    super::creator_name(name).to_string(),
                    tag.element(),
                ));
            }
        }
        let mut tags = Vec::with_capacity(attrs.len());
        for a in attrs.iter() {
            let tag = Tag::from_u32(a.tag);
            let Some(creator) = a.creator.as_deref().map(super::creator_name) else {
                tags.push(tag);
                continue;
            };
            if !tag.is_private() {
                tags.push(tag);
                continue;
            }
            let group = tag.group();
            if tag.element() > 0xFF {
                // A whole tag: as written, with its creator element made if missing.
                let block = tag.element() >> 8;
                if block >= 0x10 && !creators.iter().any(|(g, _, b)| *g == group && *b == block) {
                    self.add_creator(ds, Tag(group, block), creator, a, at)?;
                    creators.push((group, creator.to_string(), block));
                }
                tags.push(tag);
                continue;
            }
            let block = match creators
                .iter()
                .find(|(g, c, _)| *g == group && c == creator)
            {
                Some(&(_, _, block)) => block,
                None => {
                    let free = (0x10..=0xFFu16)
                        .find(|b| !creators.iter().any(|(g, _, x)| *g == group && x == b))
                        .ok_or_else(|| {
                            self.malformed(
                                a,
                                at,
                                tag,
                                format!("no free private block in group {group:04X}"),
                            )
                        })?;
                    self.add_creator(ds, Tag(group, free), creator, a, at)?;
                    creators.push((group, creator.to_string(), free));
                    free
                }
            };
            tags.push(Tag(group, (block << 8) | (tag.element() & 0xFF)));
        }
        Ok(tags)
    }

    /// Inserts the private creator element `tag` naming `creator`.
    fn add_creator(
        &mut self,
        ds: &mut Dataset,
        tag: Tag,
        creator: &str,
        a: &RawAttr,
        at: Option<&ItemPath<'_>>,
    ) -> Result<()> {
        let input = Input::Text(vec![creator.to_string()]);
        let built = build::element(ds, tag, VR::LO, input, self.opts);
        let element = self.keep(built, a, at, tag)?;
        ds.insert(element);
        Ok(())
    }

    fn attribute(
        &mut self,
        ds: &Dataset,
        tag: Tag,
        mut a: RawAttr,
        at: Option<&ItemPath<'_>>,
    ) -> Result<Element> {
        let vr = match a.vr.as_deref() {
            Some(s) => VR::parse(s)
                .ok_or_else(|| self.malformed(&a, at, tag, format!("vr={s:?} is not a VR")))?,
            // PS3.19 requires the vr; a standard attribute with one VR can do without it.
            None => dictionary::by_tag(tag)
                .filter(|d| d.vrs.len() == 1)
                .and_then(|d| d.default_vr())
                .ok_or_else(|| self.malformed(&a, at, tag, "no vr".into()))?,
        };
        let content = std::mem::take(&mut a.content);
        let input = match content {
            Content::None if vr == VR::SQ => return Ok(Element::sequence(tag, Vec::new())),
            Content::None => Input::Empty,
            Content::Items(items) if vr == VR::SQ => return self.items(ds, tag, items, at),
            Content::Items(_) => {
                return Err(self.malformed(&a, at, tag, format!("<Item>s in a {vr} attribute")));
            }
            _ if vr == VR::SQ => {
                return Err(self.malformed(&a, at, tag, "a sequence holds <Item>s".into()));
            }
            Content::Values(values) => self.values(&a, at, tag, vr, values)?,
            Content::Names(values) if vr == VR::PN => Input::Text(
                values
                    .iter()
                    .map(|v| {
                        v.as_ref()
                            .map(|(g, p)| names::join(g, *p))
                            .unwrap_or_default()
                    })
                    .collect(),
            ),
            Content::Names(_) => {
                return Err(self.malformed(
                    &a,
                    at,
                    tag,
                    format!("<PersonName>s in a {vr} attribute"),
                ));
            }
            Content::Inline(text) => {
                let bytes = inline::decode(&text).map_err(|m| self.malformed(&a, at, tag, m))?;
                let built = build::binary(ds, tag, vr, bytes, self.opts);
                return self.keep(built, &a, at, tag);
            }
            Content::Bulk(uri) => {
                self.bulk.push(BulkRef {
                    items: links(at),
                    tag,
                    vr,
                    uri,
                    path: tag_path(at, tag),
                });
                Input::Empty
            }
        };
        let built = build::element(ds, tag, vr, input, self.opts);
        self.keep(built, &a, at, tag)
    }

    /// `<Value>` texts as the encoder input of `vr`.
    fn values(
        &self,
        a: &RawAttr,
        at: Option<&ItemPath<'_>>,
        tag: Tag,
        vr: VR,
        values: Vec<Option<String>>,
    ) -> Result<Input> {
        let texts: Vec<String> = values.into_iter().map(Option::unwrap_or_default).collect();
        let each = |parse: fn(&str) -> Option<Input>| -> Result<Input> {
            let mut out: Option<Input> = None;
            for (i, t) in texts.iter().enumerate() {
                let one = parse(t.trim()).ok_or_else(|| {
                    self.malformed(
                        a,
                        at,
                        tag,
                        format!("<Value number=\"{}\">: {t:?} is not a {vr} value", i + 1),
                    )
                })?;
                out = Some(match (out, one) {
                    (None, one) => one,
                    (Some(Input::Int(mut v)), Input::Int(w)) => {
                        v.extend(w);
                        Input::Int(v)
                    }
                    (Some(Input::UInt(mut v)), Input::UInt(w)) => {
                        v.extend(w);
                        Input::UInt(v)
                    }
                    (Some(Input::Float(mut v)), Input::Float(w)) => {
                        v.extend(w);
                        Input::Float(v)
                    }
                    (Some(Input::Tags(mut v)), Input::Tags(w)) => {
                        v.extend(w);
                        Input::Tags(v)
                    }
                    (Some(prev), _) => prev,
                });
            }
            Ok(out.unwrap_or(Input::Empty))
        };
        match vr {
            _ if vr.is_text() => Ok(Input::Text(texts)),
            VR::US | VR::SS | VR::UL | VR::SL | VR::SV => {
                each(|t| t.parse().ok().map(|v| Input::Int(vec![v])))
            }
            VR::UV => each(|t| t.parse().ok().map(|v| Input::UInt(vec![v]))),
            VR::FL | VR::FD => each(|t| parse_float(t).map(|v| Input::Float(vec![v]))),
            VR::AT => each(|t| {
                (t.len() == 8)
                    .then(|| u32::from_str_radix(t, 16).ok())
                    .flatten()
                    .map(|v| Input::Tags(vec![Tag::from_u32(v)]))
            }),
            _ => Err(self.malformed(
                a,
                at,
                tag,
                format!("{vr} values are given as <InlineBinary> or <BulkData>, not <Value>"),
            )),
        }
    }

    fn items(
        &mut self,
        ds: &Dataset,
        tag: Tag,
        items: Vec<Vec<RawAttr>>,
        at: Option<&ItemPath<'_>>,
    ) -> Result<Element> {
        let mut out = Vec::with_capacity(items.len());
        for (index, attrs) in items.into_iter().enumerate() {
            let link = ItemPath {
                parent: at,
                tag,
                index,
            };
            let mut item = build::item(ds);
            self.dataset(&mut item, attrs, Some(&link))?;
            out.push(SharedDataset::new(item));
        }
        Ok(Element::sequence(tag, out))
    }
}

/// A float as the writers spell it: decimal, or NaN / infinity in the spellings of Rust,
/// Python, JSON, XML Schema and C (DCMTK writes `nan`, `inf`, `-inf`).
pub fn parse_float(t: &str) -> Option<f64> {
    match t.to_ascii_lowercase().as_str() {
        "nan" | "-nan" | "+nan" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => t.parse().ok(),
    }
}
