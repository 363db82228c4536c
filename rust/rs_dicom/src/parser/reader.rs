//! The streaming element reader: the one place where bytes become DICOM structure.

use super::options::Limits;
pub use super::token::{Token, looks_like_vr};
use super::token::{dictionary_says_sq, is_pixel_data, tag_is_pixel_like};
use crate::core::{ByteOrder, Encoding, Tag, VR};
use crate::dictionary;
use crate::error::{DicomError, ErrorKind, Result};

/// Deepest nesting of sequences accepted by default (see [`Limits::max_depth`]).
pub const MAX_DEPTH: usize = Limits::DEFAULT.max_depth;

const UNDEFINED: u32 = 0xFFFF_FFFF;

#[derive(Debug, Clone, Copy)]
enum FrameKind {
    /// A dataset: the top level (`tag` unused) or an item.
    Items,
    Sequence,
    Encapsulated,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    kind: FrameKind,
    /// Exclusive end for defined lengths.
    end: Option<usize>,
    /// Encoding of the contents.
    enc: Encoding,
    /// The sequence's tag (Sequence/Encapsulated) for tag paths.
    tag: Tag,
    /// Items seen so far (Sequence).
    items: usize,
}

/// Reads tokens from a byte slice.
pub struct ElementReader<'a> {
    buf: &'a [u8],
    pos: usize,
    stack: Vec<Frame>,
    /// Tag of the element whose header is being read, for error paths.
    current: Option<Tag>,
    stop_before_pixels: bool,
    stopped_at_pixels: bool,
    stop_after: Option<Tag>,
    stopped_after: bool,
    only_group: Option<u16>,
    done: bool,
    pending: Option<Token>,
    /// Set when a stray delimiter was skipped: `next_token` reads again, in a loop rather than
    /// by recursion, so a long run of delimiters cannot overflow the stack.
    skipped: bool,
    /// Innermost defined-length end (or the buffer end).
    limit: usize,
    max_depth: usize,
    max_value_length: u64,
    /// The error for a top-level pixel data value the data ends inside of.
    truncation: Option<DicomError>,
    /// The open top-level encapsulated pixel data element: tag, VR, header and value offsets.
    encapsulated: Option<(Tag, VR, usize, usize)>,
}

#[inline(always)]
fn u16_at(b: &[u8], p: usize, be: bool) -> u16 {
    ByteOrder::from_big_endian(be).decode(&b[p..p + 2])
}

#[inline(always)]
fn u32_at(b: &[u8], p: usize, be: bool) -> u32 {
    ByteOrder::from_big_endian(be).decode(&b[p..p + 4])
}

impl<'a> ElementReader<'a> {
    /// A reader over `buf[start..]` (or `buf[start..end]`), decoding the top level with `enc`.
    pub fn new(buf: &'a [u8], start: usize, end: Option<usize>, enc: Encoding) -> Self {
        let mut stack = Vec::with_capacity(8);
        stack.push(Frame {
            kind: FrameKind::Items,
            end: end.map(|e| e.min(buf.len())),
            enc,
            tag: Tag(0, 0),
            items: 0,
        });
        let mut r = ElementReader {
            buf,
            pos: start,
            stack,
            current: None,
            stop_before_pixels: false,
            stopped_at_pixels: false,
            stop_after: None,
            stopped_after: false,
            only_group: None,
            done: false,
            pending: None,
            skipped: false,
            limit: buf.len(),
            max_depth: MAX_DEPTH,
            max_value_length: Limits::DEFAULT.max_value_length,
            truncation: None,
            encapsulated: None,
        };
        r.update_limit();
        r
    }

    /// A reader over the value of a defined-length sequence, `buf[start..end]`, whose items are
    /// encoded with `enc`: yields the items' tokens and a final `SequenceEnd`.
    pub fn sequence_contents(
        buf: &'a [u8],
        start: usize,
        end: usize,
        enc: Encoding,
        tag: Tag,
    ) -> Self {
        let end = end.min(buf.len());
        let mut r = ElementReader::new(buf, start, Some(end), enc);
        r.stack.push(Frame {
            kind: FrameKind::Sequence,
            end: Some(end),
            enc,
            tag,
            items: 0,
        });
        r.update_limit();
        r
    }

    /// Ends the stream at the first top-level pixel data element, without reading it.
    pub fn stop_before_pixels(mut self, yes: bool) -> Self {
        self.stop_before_pixels = yes;
        self
    }

    /// Ends the stream at the first top-level element whose tag is greater than `tag`.
    pub fn stop_after(mut self, tag: Option<Tag>) -> Self {
        self.stop_after = tag;
        self
    }

    /// True when the stream ended at a top-level element after the `stop_after` tag.
    pub fn stopped_after(&self) -> bool {
        self.stopped_after
    }

    /// Applies the depth and value-length limits.
    pub fn limits(mut self, limits: &Limits) -> Self {
        self.max_depth = limits.max_depth;
        self.max_value_length = limits.max_value_length;
        self
    }

    /// The error of a [`Token::Truncated`] (once).
    pub fn take_truncation(&mut self) -> Option<DicomError> {
        self.truncation.take()
    }

    /// Ends the stream at the first top-level element outside `group` (used for file meta).
    pub fn only_group(mut self, group: u16) -> Self {
        self.only_group = Some(group);
        self
    }

    /// True when the stream ended at a top-level pixel data element (`stop_before_pixels`).
    pub fn stopped_at_pixels(&self) -> bool {
        self.stopped_at_pixels
    }

    /// Current byte position.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Nesting depth (0 at the top level).
    pub fn depth(&self) -> usize {
        self.stack.len() - 1
    }

    /// The tag path of the current position, e.g. `(0008,1115)[0].(0008,1150)`.
    pub fn tag_path(&self) -> String {
        let mut s = String::new();
        for f in &self.stack[1..] {
            match f.kind {
                FrameKind::Sequence | FrameKind::Encapsulated => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(&f.tag.to_string());
                    if matches!(f.kind, FrameKind::Sequence) && f.items > 0 {
                        s.push_str(&format!("[{}]", f.items - 1));
                    }
                }
                FrameKind::Items => {}
            }
        }
        if let Some(t) = self.current {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(&t.to_string());
        }
        s
    }

    #[cold]
    fn err(&self, kind: ErrorKind, offset: usize, msg: impl Into<String>) -> DicomError {
        DicomError::new(kind, Some(offset as u64), self.tag_path(), msg)
    }

    /// Checks `need` bytes are available at `pos` within the innermost defined-length frame.
    #[inline(always)]
    fn need(&self, pos: usize, need: usize, what: &str) -> Result<()> {
        if pos.checked_add(need).is_some_and(|e| e <= self.limit) {
            return Ok(());
        }
        Err(self.need_error(pos, need, what))
    }

    #[cold]
    #[inline(never)]
    fn need_error(&self, pos: usize, need: usize, what: &str) -> DicomError {
        let limit = self.limit;
        let inner = limit < self.buf.len();
        let kind = if inner {
            ErrorKind::Malformed
        } else {
            ErrorKind::Truncated
        };
        let avail = limit.saturating_sub(pos);
        let where_ = if inner {
            "before the end of the enclosing item/sequence"
        } else {
            "before the end of the data"
        };
        self.err(
            kind,
            pos,
            format!("{what} needs {need} bytes but only {avail} remain {where_}"),
        )
    }

    /// Recomputes the innermost end bound after the stack changed.
    fn update_limit(&mut self) {
        self.limit = self
            .stack
            .iter()
            .rev()
            .find_map(|f| f.end)
            .unwrap_or(self.buf.len())
            .min(self.buf.len());
    }

    fn top(&self) -> Frame {
        // The stack always holds the top-level frame; it is never popped.
        self.stack[self.stack.len() - 1]
    }

    fn push(&mut self, f: Frame) -> Result<()> {
        if self.stack.len() > self.max_depth * 2 + 1 {
            return Err(self.err(
                ErrorKind::Malformed,
                self.pos,
                format!("sequences nested deeper than {} levels", self.max_depth),
            ));
        }
        if let Some(end) = f.end {
            self.limit = self.limit.min(end);
        }
        self.stack.push(f);
        Ok(())
    }

    fn pop(&mut self) {
        if self.stack.len() > 1
            && let Some(f) = self.stack.pop()
            && f.end.is_some()
        {
            self.update_limit();
        }
    }

    fn next_token(&mut self) -> Result<Option<Token>> {
        if let Some(t) = self.pending.take() {
            return Ok(Some(t));
        }
        loop {
            if self.done {
                return Ok(None);
            }
            let frame = self.top();
            let token = match frame.kind {
                FrameKind::Items => self.in_items(frame),
                FrameKind::Sequence => self.in_sequence(frame),
                FrameKind::Encapsulated => self.in_encapsulated(frame),
            }?;
            if !std::mem::take(&mut self.skipped) {
                return Ok(token);
            }
        }
    }

    /// At the end of a sequence-like frame (its defined end, or the end of the data where
    /// the delimiter should be, accepted like pydicom): pops it and returns true.
    fn at_frame_end(&mut self, frame: Frame) -> bool {
        let ended = match frame.end {
            Some(end) => self.pos >= end,
            None => self.pos >= self.buf.len(),
        };
        if ended {
            self.pop();
        }
        ended
    }

    /// Reads an item header (tag and 32-bit length, no VR) at the current position.
    fn item_header(&mut self, frame: Frame, what: &str) -> Result<(usize, Tag, u32)> {
        let be = frame.enc.big_endian;
        self.need(self.pos, 8, what)?;
        let offset = self.pos;
        let tag = Tag(
            u16_at(self.buf, offset, be),
            u16_at(self.buf, offset + 2, be),
        );
        let length = u32_at(self.buf, offset + 4, be);
        self.pos += 8;
        Ok((offset, tag, length))
    }

    fn in_sequence(&mut self, frame: Frame) -> Result<Option<Token>> {
        self.current = None;
        if self.at_frame_end(frame) {
            return Ok(Some(Token::SequenceEnd));
        }
        let (offset, tag, length) = self.item_header(frame, "item header")?;
        match tag {
            Tag::ITEM => {
                // Count the item first, so that an error in its length names it in the path.
                let depth = self.stack.len();
                self.stack[depth - 1].items += 1;
                let end = if length == UNDEFINED {
                    None
                } else {
                    self.need(self.pos, length as usize, "item")?;
                    Some(self.pos + length as usize)
                };
                self.push(Frame {
                    kind: FrameKind::Items,
                    end,
                    enc: frame.enc,
                    tag: frame.tag,
                    items: 0,
                })?;
                Ok(Some(Token::ItemStart {
                    offset,
                    length: (length != UNDEFINED).then_some(length),
                }))
            }
            Tag::SEQUENCE_DELIMITER => {
                self.pop();
                Ok(Some(Token::SequenceEnd))
            }
            // A stray item delimiter between items: tolerated (seen from some writers).
            Tag::ITEM_DELIMITER => {
                self.skipped = true;
                Ok(None)
            }
            other => Err(self.err(
                ErrorKind::Malformed,
                offset,
                format!("expected an item (FFFE,E000) in a sequence, found tag {other}"),
            )),
        }
    }

    fn in_encapsulated(&mut self, frame: Frame) -> Result<Option<Token>> {
        self.current = None;
        if self.at_frame_end(frame) {
            return Ok(Some(Token::EncapsulatedEnd));
        }
        let at_top = self.stack.len() == 2;
        let (offset, tag, length) = match self.item_header(frame, "fragment header") {
            Ok(h) => h,
            Err(e) if at_top => return self.truncate_encapsulated(e),
            Err(e) => return Err(e),
        };
        match tag {
            Tag::ITEM => {
                if length == UNDEFINED {
                    return Err(self.err(
                        ErrorKind::Malformed,
                        offset,
                        "encapsulated fragment with undefined length",
                    ));
                }
                if let Err(e) = self.need(self.pos, length as usize, "fragment") {
                    return if at_top {
                        self.truncate_encapsulated(e)
                    } else {
                        Err(e)
                    };
                }
                let value_offset = self.pos;
                self.pos += length as usize;
                Ok(Some(Token::Fragment {
                    offset: value_offset,
                    length,
                }))
            }
            Tag::SEQUENCE_DELIMITER => {
                self.pop();
                Ok(Some(Token::EncapsulatedEnd))
            }
            other => Err(self.err(
                ErrorKind::Malformed,
                offset,
                format!(
                    "expected a fragment item (FFFE,E000) in encapsulated data, found tag {other}"
                ),
            )),
        }
    }

    /// Ends the stream at a top-level pixel data value the data ends inside of, keeping
    /// the error for when the pixels are used (pydicom reads such headers too).
    fn truncate(
        &mut self,
        err: DicomError,
        (tag, vr, offset, value_offset): (Tag, VR, usize, usize),
        length: Option<u32>,
    ) -> Result<Option<Token>> {
        if err.kind != ErrorKind::Truncated {
            return Err(err);
        }
        self.truncation = Some(err);
        self.done = true;
        self.pos = self.buf.len();
        Ok(Some(Token::Truncated {
            tag,
            vr,
            offset,
            value_offset,
            length,
        }))
    }

    fn truncate_encapsulated(&mut self, err: DicomError) -> Result<Option<Token>> {
        match self.encapsulated {
            Some(at) => self.truncate(err, at, None),
            None => Err(err),
        }
    }

    fn in_items(&mut self, frame: Frame) -> Result<Option<Token>> {
        self.current = None;
        let at_top = self.stack.len() == 1;
        let end = frame.end.unwrap_or(self.buf.len());
        if self.pos >= end {
            if at_top {
                self.done = true;
                return Ok(None);
            }
            // A defined-length item ends at its end; an undefined-length one may end at the
            // end of the data without its delimiter (accepted like pydicom).
            self.pop();
            return Ok(Some(Token::ItemEnd));
        }
        let enc = frame.enc;
        let be = enc.big_endian;
        let offset = self.pos;
        if at_top && end - offset < 8 {
            // Trailing bytes too short for an element header: pydicom ignores them too.
            if self.buf[offset..end].iter().all(|&b| b == 0) || end - offset < 4 {
                self.done = true;
                return Ok(None);
            }
        }
        self.need(offset, 4, "element tag")?;
        let tag = Tag(
            u16_at(self.buf, offset, be),
            u16_at(self.buf, offset + 2, be),
        );
        self.current = Some(tag);
        if let Some(g) = self.only_group
            && at_top
            && tag.0 != g
        {
            self.done = true;
            return Ok(None);
        }
        if tag.0 == 0xFFFE {
            self.need(offset, 8, "delimiter")?;
            self.pos = offset + 8;
            match tag {
                Tag::ITEM_DELIMITER if !at_top => {
                    self.pop();
                    return Ok(Some(Token::ItemEnd));
                }
                Tag::SEQUENCE_DELIMITER if !at_top => {
                    // Missing item delimiter before the sequence delimiter: close both.
                    self.pop();
                    if matches!(self.top().kind, FrameKind::Sequence) {
                        self.pop();
                        self.pending = Some(Token::SequenceEnd);
                    }
                    return Ok(Some(Token::ItemEnd));
                }
                _ => {
                    // Stray delimiter at the top level: skip it, as pydicom does.
                    self.current = None;
                    self.skipped = true;
                    return Ok(None);
                }
            }
        }
        if at_top && self.stop_after.is_some_and(|last| tag > last) {
            self.done = true;
            self.stopped_after = true;
            return Ok(None);
        }
        if self.stop_before_pixels && at_top && is_pixel_data(tag) {
            self.done = true;
            self.stopped_at_pixels = true;
            return Ok(None);
        }
        let (vr, length, value_offset, explicit) = if enc.explicit_vr
            && offset + 6 <= end
            && looks_like_vr(&self.buf[offset + 4..offset + 6])
        {
            self.need(offset, 8, "element header")?;
            let vr_bytes = [self.buf[offset + 4], self.buf[offset + 5]];
            match VR::from_bytes(vr_bytes) {
                Some(vr) if vr.has_long_length() => {
                    self.need(offset, 12, "element header")?;
                    (vr, u32_at(self.buf, offset + 8, be), offset + 12, true)
                }
                Some(vr) => (
                    vr,
                    u16_at(self.buf, offset + 6, be) as u32,
                    offset + 8,
                    true,
                ),
                // Unknown upper-case VR: pydicom reads a 16-bit length and keeps the bytes as UN.
                None => (
                    VR::UN,
                    u16_at(self.buf, offset + 6, be) as u32,
                    offset + 8,
                    true,
                ),
            }
        } else {
            // Implicit VR (or explicit data with a missing VR, read as implicit like pydicom).
            self.need(offset, 8, "element header")?;
            (
                dictionary::implicit_vr(tag),
                u32_at(self.buf, offset + 4, be),
                offset + 8,
                false,
            )
        };
        self.pos = value_offset;
        let undefined = length == UNDEFINED;
        let is_sequence = vr == VR::SQ
            || (undefined && vr == VR::UN)
            || (undefined && !explicit && !tag_is_pixel_like(tag))
            || (!undefined && vr == VR::UN && explicit && dictionary_says_sq(tag));
        if is_sequence {
            let child_enc = if vr == VR::UN {
                Encoding::IMPLICIT_LE
            } else {
                enc
            };
            let seq_end = if undefined {
                None
            } else {
                self.need(value_offset, length as usize, "sequence")?;
                Some(value_offset + length as usize)
            };
            self.push(Frame {
                kind: FrameKind::Sequence,
                end: seq_end,
                enc: child_enc,
                tag,
                items: 0,
            })?;
            return Ok(Some(Token::SequenceStart {
                tag,
                vr,
                offset,
                length: (!undefined).then_some(length),
            }));
        }
        if undefined {
            self.push(Frame {
                kind: FrameKind::Encapsulated,
                end: None,
                enc,
                tag,
                items: 0,
            })?;
            if at_top {
                self.encapsulated = Some((tag, vr, offset, value_offset));
            }
            return Ok(Some(Token::EncapsulatedStart {
                tag,
                vr,
                offset,
                value_offset,
            }));
        }
        if u64::from(length) > self.max_value_length {
            return Err(self.err(
                ErrorKind::Limit,
                offset,
                format!(
                    "value length {length} is over the limit of {} bytes",
                    self.max_value_length
                ),
            ));
        }
        if let Err(e) = self.need(value_offset, length as usize, "value") {
            return if at_top && is_pixel_data(tag) {
                self.truncate(e, (tag, vr, offset, value_offset), Some(length))
            } else {
                Err(e)
            };
        }
        self.pos = value_offset + length as usize;
        Ok(Some(Token::Element {
            tag,
            vr,
            offset,
            value_offset,
            length,
        }))
    }
}

impl Iterator for ElementReader<'_> {
    type Item = Result<Token>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_token() {
            Ok(Some(t)) => Some(Ok(t)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
