//! Native DICOM Model XML → a light tree of attributes (phase one of reading): the XML
//! syntax is checked here, with quick-xml's event reader (no recursion of its own, no
//! entities beyond the predefined ones, so no entity expansion attack), and every attribute
//! remembers its byte position for the errors of phase two.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::escape::{reference, unescape};
use super::names::{COMPONENTS, GROUPS};
use crate::error::{DicomError, ErrorKind, Result};

/// One PN value: the components of each group, and which groups were present.
pub type NameParts = ([[Option<String>; 5]; 3], [bool; 3]);

/// What a `<DicomAttribute>` holds.
#[derive(Debug, Default)]
pub enum Content {
    /// Nothing: an empty value.
    #[default]
    None,
    /// `<Value>`s in order (`None`: an empty value).
    Values(Vec<Option<String>>),
    /// `<PersonName>`s in order (`None`: an empty value).
    Names(Vec<Option<NameParts>>),
    /// `<Item>`s in order.
    Items(Vec<Vec<RawAttr>>),
    /// `<InlineBinary>` base64 text.
    Inline(String),
    /// `<BulkData uri>` (or `uuid`, as `urn:uuid:…`).
    Bulk(String),
}

/// A `<DicomAttribute>` as written.
#[derive(Debug)]
pub struct RawAttr {
    /// The `tag` (private elements: `gggg00ee` with a creator).
    pub tag: u32,
    /// The `vr`, when given.
    pub vr: Option<String>,
    /// The `privateCreator`, when given.
    pub creator: Option<String>,
    /// Byte position of the start tag.
    pub pos: u64,
    /// The value.
    pub content: Content,
}

/// The 1-based line of byte `pos` in `text`.
pub fn line_of(text: &[u8], pos: u64) -> usize {
    let end = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
    text[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// An XML syntax error at byte `pos` of `text`.
pub fn error_at(text: &[u8], pos: u64, path: &str, msg: impl std::fmt::Display) -> DicomError {
    DicomError::new(
        ErrorKind::Malformed,
        Some(pos),
        path,
        format!("XML line {}: {msg}", line_of(text, pos)),
    )
}

pub struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    text: &'a [u8],
    max_depth: usize,
}

fn name_of<'b>(e: &'b BytesStart<'_>) -> Cow<'b, str> {
    String::from_utf8_lossy(e.local_name().into_inner())
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a [u8], max_depth: usize) -> Self {
        let mut reader = Reader::from_reader(text);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Parser {
            reader,
            text,
            max_depth,
        }
    }

    fn pos(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn fail(&self, pos: u64, msg: impl std::fmt::Display) -> DicomError {
        error_at(self.text, pos, "", msg)
    }

    fn next(&mut self) -> Result<Event<'a>> {
        loop {
            let ev = self.reader.read_event().map_err(|e| {
                let at = self.reader.error_position();
                error_at(self.text, at, "", format!("not well-formed XML: {e}"))
            })?;
            match ev {
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
                other => return Ok(other),
            }
        }
    }

    /// The value of attribute `key` of `e`, unescaped.
    fn attribute(&self, e: &BytesStart<'_>, key: &str) -> Result<Option<String>> {
        for a in e.attributes() {
            let a = a.map_err(|err| self.fail(self.pos(), format!("bad attribute: {err}")))?;
            if a.key.local_name().as_ref() == key.as_bytes() {
                let raw = std::str::from_utf8(&a.value)
                    .map_err(|err| self.fail(self.pos(), format!("bad attribute value: {err}")))?;
                return unescape(raw)
                    .map(Some)
                    .map_err(|e| self.fail(self.pos(), e));
            }
        }
        Ok(None)
    }

    /// The 1-based `number` attribute of a `<Value>`, `<PersonName>` or `<Item>`.
    fn number(&self, e: &BytesStart<'_>, pos: u64) -> Result<usize> {
        let text = self.attribute(e, "number")?;
        text.as_deref()
            .and_then(|t| t.trim().parse::<usize>().ok())
            .filter(|&n| n >= 1)
            .ok_or_else(|| {
                self.fail(
                    pos,
                    format!("<{}> needs a number=\"1\", \"2\"…", name_of(e)),
                )
            })
    }

    /// Text content up to the end of the element just opened (`None` for an empty
    /// element); markup inside is an error.
    fn text_until_end(&mut self, what: &str) -> Result<String> {
        let mut out = String::new();
        loop {
            let pos = self.pos();
            match self.next()? {
                Event::Text(t) => {
                    let t = t
                        .xml10_content()
                        .map_err(|e| self.fail(pos, format!("bad text: {e}")))?;
                    out.push_str(&t);
                }
                Event::CData(t) => {
                    let t = t
                        .decode()
                        .map_err(|e| self.fail(pos, format!("bad text: {e}")))?;
                    out.push_str(&t);
                }
                Event::GeneralRef(r) => {
                    let name = String::from_utf8_lossy(&r);
                    out.push(reference(&name).map_err(|e| self.fail(pos, e))?);
                }
                Event::End(_) => return Ok(out),
                Event::Eof => return Err(self.fail(pos, format!("the file ends inside <{what}>"))),
                Event::Start(e) | Event::Empty(e) => {
                    return Err(self.fail(
                        pos,
                        format!("<{}> inside <{what}>, which holds text", name_of(&e)),
                    ));
                }
                _ => {}
            }
        }
    }

    /// Whitespace between elements is fine; any other text is an error.
    fn only_space(&self, ev: &Event<'_>, pos: u64, inside: &str) -> Result<()> {
        let blank = match ev {
            Event::Text(t) => t.iter().all(u8::is_ascii_whitespace),
            Event::CData(t) => t.is_empty(),
            _ => false,
        };
        if blank {
            Ok(())
        } else {
            Err(self.fail(pos, format!("text inside <{inside}> outside any value")))
        }
    }

    /// The next child element of the element `inside` (start or empty, and its byte
    /// position); `None` at the end of `inside`. Whitespace between is skipped.
    fn child(&mut self, inside: &str) -> Result<Option<(BytesStart<'a>, bool, u64)>> {
        loop {
            let pos = self.pos();
            match self.next()? {
                Event::Start(e) => return Ok(Some((e, false, pos))),
                Event::Empty(e) => return Ok(Some((e, true, pos))),
                Event::End(_) => return Ok(None),
                Event::Eof => {
                    return Err(self.fail(pos, format!("the file ends inside <{inside}>")));
                }
                ev => self.only_space(&ev, pos, inside)?,
            }
        }
    }

    /// The document: the attributes of `<NativeDicomModel>`.
    pub fn document(&mut self) -> Result<Vec<RawAttr>> {
        loop {
            let pos = self.pos();
            match self.next()? {
                Event::Start(e) if name_of(&e) == "NativeDicomModel" => {
                    let attrs = self.dataset("NativeDicomModel", 0)?;
                    self.trailing()?;
                    return Ok(attrs);
                }
                Event::Empty(e) if name_of(&e) == "NativeDicomModel" => {
                    self.trailing()?;
                    return Ok(Vec::new());
                }
                Event::Start(e) | Event::Empty(e) => {
                    return Err(self.fail(
                        pos,
                        format!(
                            "the root element is <{}>, not <NativeDicomModel>",
                            name_of(&e)
                        ),
                    ));
                }
                Event::Eof => return Err(self.fail(pos, "no <NativeDicomModel> element")),
                ev => self.only_space(&ev, pos, "the document")?,
            }
        }
    }

    fn trailing(&mut self) -> Result<()> {
        loop {
            let pos = self.pos();
            match self.next()? {
                Event::Eof => return Ok(()),
                ev => self.only_space(&ev, pos, "the document")?,
            }
        }
    }

    /// The `<DicomAttribute>`s up to the end of the element `inside`.
    fn dataset(&mut self, inside: &str, depth: usize) -> Result<Vec<RawAttr>> {
        let mut attrs = Vec::new();
        while let Some((e, empty, pos)) = self.child(inside)? {
            if name_of(&e) != "DicomAttribute" {
                return Err(self.fail(
                    pos,
                    format!("<{}> inside <{inside}>: only <DicomAttribute>", name_of(&e)),
                ));
            }
            let mut a = self.head(&e, pos)?;
            if !empty {
                a.content = self.content(depth)?;
            }
            attrs.push(a);
        }
        Ok(attrs)
    }

    fn head(&self, e: &BytesStart<'_>, pos: u64) -> Result<RawAttr> {
        let tag_text = self.attribute(e, "tag")?.unwrap_or_default();
        let tag = (tag_text.len() == 8 && tag_text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(&tag_text, 16).ok())
            .flatten()
            .ok_or_else(|| {
                self.fail(
                    pos,
                    format!("tag={tag_text:?} is not a tag (8 hexadecimal digits GGGGEEEE)"),
                )
            })?;
        Ok(RawAttr {
            tag,
            vr: self.attribute(e, "vr")?,
            creator: self.attribute(e, "privateCreator")?,
            pos,
            content: Content::None,
        })
    }

    /// The children of a `<DicomAttribute>`, all of one kind.
    fn content(&mut self, depth: usize) -> Result<Content> {
        let mut values: Vec<(usize, u64, Option<String>)> = Vec::new();
        let mut names: Vec<(usize, u64, Option<NameParts>)> = Vec::new();
        let mut items: Vec<(usize, u64, Vec<RawAttr>)> = Vec::new();
        let mut binary: Option<Content> = None;
        let mut kinds = 0u8;
        while let Some((e, empty, pos)) = self.child("DicomAttribute")? {
            let name = name_of(&e).into_owned();
            let kind = match name.as_str() {
                "Value" => {
                    let n = self.number(&e, pos)?;
                    let t = if empty {
                        String::new()
                    } else {
                        self.text_until_end("Value")?
                    };
                    values.push((n, pos, (!t.is_empty()).then_some(t)));
                    1
                }
                "PersonName" => {
                    let n = self.number(&e, pos)?;
                    let parts = if empty { None } else { self.person_name()? };
                    names.push((n, pos, parts));
                    2
                }
                "Item" => {
                    let n = self.number(&e, pos)?;
                    if depth + 1 > self.max_depth {
                        return Err(self.fail(
                            pos,
                            format!("items nested deeper than {} levels", self.max_depth),
                        ));
                    }
                    let attrs = if empty {
                        Vec::new()
                    } else {
                        self.dataset("Item", depth + 1)?
                    };
                    items.push((n, pos, attrs));
                    4
                }
                "InlineBinary" | "BulkData" if binary.is_some() => {
                    return Err(self.fail(pos, format!("a second <{name}>")));
                }
                "InlineBinary" => {
                    let t = if empty {
                        String::new()
                    } else {
                        self.text_until_end("InlineBinary")?
                    };
                    binary = Some(Content::Inline(t));
                    8
                }
                "BulkData" => {
                    let uri = match (self.attribute(&e, "uri")?, self.attribute(&e, "uuid")?) {
                        (Some(uri), _) => uri,
                        (None, Some(uuid)) => format!("urn:uuid:{uuid}"),
                        (None, None) => {
                            return Err(self.fail(pos, "<BulkData> needs a uri or uuid"));
                        }
                    };
                    if !empty {
                        self.text_until_end("BulkData")?;
                    }
                    binary = Some(Content::Bulk(uri));
                    8
                }
                other => {
                    return Err(self.fail(pos, format!("<{other}> inside <DicomAttribute>")));
                }
            };
            kinds |= kind;
            if !kinds.is_power_of_two() {
                return Err(self.fail(
                    pos,
                    format!("<{name}> beside values of another kind in one <DicomAttribute>"),
                ));
            }
        }
        Ok(if let Some(b) = binary {
            b
        } else if !values.is_empty() {
            Content::Values(self.ordered(values, "Value")?)
        } else if !names.is_empty() {
            Content::Names(self.ordered(names, "PersonName")?)
        } else if !items.is_empty() {
            Content::Items(self.ordered(items, "Item")?)
        } else {
            Content::None
        })
    }

    /// Children put in the order of their `number`s, which must be 1, 2, … n.
    fn ordered<T>(&self, mut list: Vec<(usize, u64, T)>, what: &str) -> Result<Vec<T>> {
        list.sort_by_key(|(n, _, _)| *n);
        for (i, (n, pos, _)) in list.iter().enumerate() {
            if *n != i + 1 {
                return Err(self.fail(
                    *pos,
                    format!("<{what} number=\"{n}\">: the numbers must run 1, 2, … without gaps or repeats (expected {})", i + 1),
                ));
            }
        }
        Ok(list.into_iter().map(|(_, _, v)| v).collect())
    }

    /// The groups and components of a `<PersonName>` (just opened, not empty).
    fn person_name(&mut self) -> Result<Option<NameParts>> {
        let mut parts: NameParts = Default::default();
        while let Some((e, empty, pos)) = self.child("PersonName")? {
            let name = name_of(&e).into_owned();
            // PS3.19 2011 called the first group SingleByte.
            let g = GROUPS
                .iter()
                .position(|g| *g == name)
                .or((name == "SingleByte").then_some(0))
                .ok_or_else(|| {
                    self.fail(
                        pos,
                        format!("<{name}> inside <PersonName>: only {GROUPS:?}"),
                    )
                })?;
            if parts.1[g] {
                return Err(self.fail(pos, format!("a second <{name}>")));
            }
            parts.1[g] = true;
            if !empty {
                self.components(&mut parts.0[g], &name)?;
            }
        }
        Ok(parts.1.iter().any(|&p| p).then_some(parts))
    }

    fn components(&mut self, out: &mut [Option<String>; 5], group: &str) -> Result<()> {
        while let Some((e, empty, pos)) = self.child(group)? {
            let name = name_of(&e).into_owned();
            let c = COMPONENTS.iter().position(|c| *c == name).ok_or_else(|| {
                self.fail(
                    pos,
                    format!("<{name}> inside <{group}>: only {COMPONENTS:?}"),
                )
            })?;
            if out[c].is_some() {
                return Err(self.fail(pos, format!("a second <{name}>")));
            }
            let text = if empty {
                String::new()
            } else {
                self.text_until_end(&name)?
            };
            out[c] = Some(text);
        }
        Ok(())
    }
}
