//! Values as one line of text: `[text]`, numbers, hex previews, `(Sequence, N items)`.
//!
//! Values are cut to a number of characters (Python's, i.e. code points) and marked with
//! `...`. Text is built only up to one character past the limit, so a value of megabytes
//! costs no more than what is shown.

use std::sync::Arc;

use super::number::{float_repr, float32_text};
use super::shown::{Binary, Item, Shown, copied_source, shown};
use crate::core::{Dataset, Element, ElementValue, VR};
use crate::error::{DicomError, Result};
use crate::value;

/// Binary values up to this many bytes are shown in full by [`plain_value`].
pub const HEX_PREVIEW_BYTES: usize = 32;

/// Text collected up to a number of characters.
struct Clip {
    text: String,
    chars: usize,
    cap: usize,
}

impl Clip {
    /// Room for `limit` characters and one more (to know that the text was longer).
    fn new(limit: Option<usize>) -> Clip {
        Clip {
            text: String::new(),
            chars: 0,
            cap: limit.map_or(usize::MAX, |n| n.saturating_add(1)),
        }
    }

    fn full(&self) -> bool {
        self.chars >= self.cap
    }

    fn push(&mut self, c: char) {
        if !self.full() {
            self.text.push(c);
            self.chars += 1;
        }
    }

    /// Appends `s` with control characters escaped (`\n`, `\x00`): a value never breaks a line.
    fn push_line(&mut self, s: &str) {
        for c in s.chars() {
            if self.full() {
                return;
            }
            match c {
                '\n' => self.push_ascii("\\n"),
                '\r' => self.push_ascii("\\r"),
                '\t' => self.push_ascii("\\t"),
                '\0'..='\x1f' | '\x7f' => {
                    self.push_ascii(&format!("\\x{:02x}", c as u32));
                }
                c => self.push(c),
            }
        }
    }

    fn push_ascii(&mut self, s: &str) {
        for c in s.chars() {
            self.push(c);
        }
    }

    /// The text, cut to `limit` characters with `...` and then `closing` marking the cut.
    fn finish(self, limit: Option<usize>, closing: &str) -> String {
        match limit {
            Some(limit) if self.chars > limit => {
                let keep = limit.saturating_sub(3 + closing.chars().count());
                let end = self.text.char_indices().nth(keep).map_or(0, |(i, _)| i);
                let mut out = self.text;
                out.truncate(end);
                out.push_str("...");
                out.push_str(closing);
                out
            }
            _ => self.text,
        }
    }
}

/// `text` as one line (control characters escaped), cut to `limit` characters with `...`
/// followed by `closing` (e.g. the closing quote of a repr).
pub fn cut_line(text: &str, limit: Option<usize>, closing: &str) -> String {
    let mut clip = Clip::new(limit);
    clip.push_line(text);
    clip.finish(limit, closing)
}

/// Upper-case hex bytes separated by spaces.
fn push_hex(out: &mut String, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{b:02X}"));
    }
}

/// A hex preview of binary bytes with their size, fitting in `budget` characters (8 bytes
/// without a budget): `(8192 bytes) 18 00 18 00 ...`, `(1 fragment, 250 bytes) FF 4F ...`.
/// Values of at most `full_up_to` bytes are shown whole, without a size.
pub fn binary_text(binary: &Binary<'_>, budget: Option<usize>, full_up_to: usize) -> String {
    let (data, size, suffix) = match binary {
        Binary::Fragments(frags) => {
            let total: usize = frags.iter().map(|f| f.len()).sum();
            let s = if frags.len() == 1 { "" } else { "s" };
            let first = frags.first().copied().unwrap_or(&[]);
            let suffix = format!("({} fragment{s}, {total} bytes)", frags.len());
            (first, first.len(), suffix)
        }
        Binary::Bytes(bytes) => {
            if bytes.len() <= full_up_to {
                let mut out = String::new();
                push_hex(&mut out, bytes);
                return out;
            }
            (*bytes, bytes.len(), format!("({} bytes)", bytes.len()))
        }
    };
    // Each byte takes 3 characters ("FF "); keep room for "..." and the suffix.
    let suffix_chars = suffix.len() as i64;
    let budget = budget.map_or(suffix_chars + 1 + 8 * 3 + 3, |b| {
        i64::try_from(b).unwrap_or(i64::MAX)
    });
    let room = budget - suffix_chars - 1;
    let count = size.min(((room - 3).max(0) / 3) as usize);
    if count == 0 {
        return suffix;
    }
    let mut out = suffix;
    out.push(' ');
    push_hex(&mut out, &data[..count]);
    if count < size || matches!(binary, Binary::Fragments(_)) {
        out.push_str(" ...");
    }
    out
}

/// One number as the dump shows it: FL as the shortest text that reads back as the same
/// 32-bit float, other floats as Python's `repr`, tags as `(gggg,eeee)`.
pub(crate) fn item_text(item: &Item, vr: VR) -> String {
    match item {
        Item::Str(s) => s.clone(),
        Item::Int(i) => i.to_string(),
        Item::UInt(u) => u.to_string(),
        Item::Float(f) if vr == VR::FL => float32_text(*f),
        Item::Float(f) => float_repr(*f),
        Item::Tag(t) => t.to_string(),
    }
}

/// DS / IS as written in the file: each value stripped of spaces and NULs, bytes that are
/// not ASCII shown as U+FFFD (`-32\-32\12.5`).
fn push_number_strings(clip: &mut Clip, raw: &[u8]) {
    for (i, part) in raw.split(|&b| b == b'\\').enumerate() {
        if clip.full() {
            return;
        }
        if i > 0 {
            clip.push('\\');
        }
        let start = part.iter().position(|&b| b != b' ' && b != 0);
        let end = part.iter().rposition(|&b| b != b' ' && b != 0);
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        for &b in &part[start..=end] {
            if clip.full() {
                return;
            }
            let c = if b.is_ascii() { b as char } else { '\u{fffd}' };
            clip.push_line(c.encode_utf8(&mut [0; 4]));
        }
    }
}

/// An element's value as the dump needs it: DS and IS are shown as the file's text, so they
/// are not parsed (a contour holds thousands of numbers), only checked for blankness.
enum Dumped<'a> {
    /// DS or IS text; blank exactly when Python's value is `None` or `''`.
    NumberText {
        blank: bool,
    },
    Value(Shown<'a>),
}

impl Dumped<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Dumped::NumberText { blank } => *blank,
            Dumped::Value(v) => v.is_empty(),
        }
    }

    /// True when Python reads the value's bytes as they are (and checks them first).
    fn uses_raw(&self) -> bool {
        match self {
            Dumped::NumberText { blank } => !blank,
            Dumped::Value(v) => matches!(v, Shown::Bytes(_)),
        }
    }
}

fn dumped<'a>(ds: &'a Dataset, e: &'a Element) -> Dumped<'a> {
    let text = matches!(e.vr, VR::DS | VR::IS)
        && matches!(
            e.value,
            ElementValue::Bytes { .. } | ElementValue::Owned(_) | ElementValue::Truncated { .. }
        );
    if !text {
        return Dumped::Value(shown(ds, e));
    }
    // As `value::decode` reads them: DS trimmed of whitespace, IS of trailing NULs and spaces.
    let b = ds.bytes_of(e);
    let blank = if e.vr == VR::DS {
        value::latin1(b).trim().is_empty()
    } else {
        b.iter().all(|&c| c == 0 || c == b' ')
    };
    Dumped::NumberText { blank }
}

/// The values of a non-binary, non-empty element as one line, collected into `clip`.
fn push_values(clip: &mut Clip, ds: &Dataset, e: &Element, value: &Dumped<'_>) {
    let items = match value {
        Dumped::NumberText { .. } => return push_number_strings(clip, ds.bytes_of(e)),
        Dumped::Value(Shown::One(item)) => std::slice::from_ref(item),
        Dumped::Value(Shown::List(items)) => items.as_slice(),
        Dumped::Value(_) => return,
    };
    for (i, item) in items.iter().enumerate() {
        if clip.full() {
            return;
        }
        if i > 0 {
            clip.push('\\');
        }
        match item {
            Item::Str(s) => clip.push_line(s),
            other => clip.push_line(&item_text(other, e.vr)),
        }
    }
}

fn sequence_text(n: usize) -> String {
    format!("(Sequence, {n} item{})", if n == 1 { "" } else { "s" })
}

/// Whether the sources of a dump are unchanged, each checked once (a check costs a `stat`).
#[derive(Default)]
pub(crate) struct Checks {
    seen: Vec<(usize, Option<DicomError>)>,
}

impl Checks {
    /// The error of reading `e`'s value bytes (`raw`: Python reads them as they are) when
    /// they come from a mapped file that changed since it was read: such bytes are not
    /// handed out.
    fn error(&mut self, ds: &Dataset, e: &Element, raw: bool) -> Option<DicomError> {
        let source = copied_source(ds, e).filter(|_| raw)?;
        let key = Arc::as_ptr(source) as usize;
        if let Some((_, found)) = self.seen.iter().find(|(k, _)| *k == key) {
            return found.clone();
        }
        let found = source.check().err();
        self.seen.push((key, found.clone()));
        found
    }
}

/// An element's value as plain one-line text, as `rs-dicom meta --tag` prints it.
///
/// Text values are unquoted and several values are joined with `\`; DS and IS are the file's
/// own text; AT is `(gggg,eeee)`; binary values up to 32 bytes are shown in hex, longer ones
/// as a hex preview with their size; sequences as `(Sequence, N items)`; an empty value is
/// `""`. Control characters are escaped (`\n`). `limit` cuts the text to that many characters.
/// Fails only when the bytes come from a mapped file that changed since it was read.
pub fn plain_value(ds: &Dataset, e: &Element, limit: Option<usize>) -> Result<String> {
    let value = dumped(ds, e);
    match Checks::default().error(ds, e, value.uses_raw()) {
        Some(err) => Err(err),
        None => Ok(plain_text(ds, e, &value, limit)),
    }
}

/// Checks that the bytes of `value` (`e`'s, from [`shown`]) can be handed out: fails when they
/// come from a mapped file that changed since it was read.
pub fn check_value(ds: &Dataset, e: &Element, value: &Shown<'_>) -> Result<()> {
    let raw =
        matches!(value, Shown::Bytes(_)) || (matches!(e.vr, VR::DS | VR::IS) && !value.is_empty());
    match Checks::default().error(ds, e, raw) {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// [`plain_value`] for the dump: `(error: ...)` when the value cannot be read.
pub(crate) fn plain_value_checked(
    ds: &Dataset,
    e: &Element,
    limit: Option<usize>,
    checks: &mut Checks,
) -> String {
    let value = dumped(ds, e);
    match checks.error(ds, e, value.uses_raw()) {
        Some(err) => cut_line(&format!("(error: {err})"), None, ""),
        None => plain_text(ds, e, &value, limit),
    }
}

fn plain_text(ds: &Dataset, e: &Element, value: &Dumped<'_>, limit: Option<usize>) -> String {
    match value {
        Dumped::Value(Shown::Items(items)) => return sequence_text(items.len()),
        Dumped::Value(Shown::Bytes(binary)) => {
            return binary_text(binary, limit, HEX_PREVIEW_BYTES);
        }
        v if v.is_empty() => return String::new(),
        _ => {}
    }
    let mut clip = Clip::new(limit);
    push_values(&mut clip, ds, e, value);
    clip.finish(limit, "")
}

/// The dcmdump-like value column: `[text]`, numbers, `(Sequence, N items)`, a hex preview,
/// `(no value)`, cut to `limit` characters. Never fails: a value that cannot be read shows as
/// `(error: ...)`.
pub fn value_text(ds: &Dataset, e: &Element, limit: Option<usize>) -> String {
    value_text_checked(ds, e, limit, &mut Checks::default())
}

/// [`value_text`] with the sources' checks shared across a dump.
pub(crate) fn value_text_checked(
    ds: &Dataset,
    e: &Element,
    limit: Option<usize>,
    checks: &mut Checks,
) -> String {
    let value = dumped(ds, e);
    if let Some(err) = checks.error(ds, e, value.uses_raw()) {
        return cut_line(&format!("(error: {err})"), limit, "");
    }
    match &value {
        Dumped::Value(Shown::Items(items)) => sequence_text(items.len()),
        Dumped::Value(Shown::Bytes(binary)) => binary_text(binary, limit, 0),
        v if v.is_empty() => "(no value)".to_string(),
        // Text, and DS / IS (the file's own text), in brackets.
        v if has_text(v) => {
            let inner = limit.map(|n| n.saturating_sub(2).max(4));
            format!("[{}]", plain_text(ds, e, v, inner))
        }
        v => plain_text(ds, e, v, limit),
    }
}

fn has_text(value: &Dumped<'_>) -> bool {
    match value {
        Dumped::NumberText { .. } | Dumped::Value(Shown::One(Item::Str(_))) => true,
        Dumped::Value(Shown::List(items)) => items.iter().any(|i| matches!(i, Item::Str(_))),
        Dumped::Value(_) => false,
    }
}
