//! The scan's own walk of a header: the file meta group and the top-level elements of an
//! explicit VR little endian dataset, up to the scan's stop, noting where the requested
//! elements' values are and building nothing else (no dataset, no element list).
//!
//! It takes only the plain case, where the core reader (`parse_source`) would read every
//! element it passes the same way: on anything else (another encoding, an element out of
//! order, a stray delimiter, a VR it would read as implicit or as UN, a requested element
//! that is a sequence) it answers [`Walk::Fallback`] and the file is read by the core reader.
//! Nested sequences are skipped with the core tokenizer itself, so their structure is
//! checked as the core reader checks it. Bytes that end too soon ask for more, as the core
//! reader's prefix reads do.

use rs_dicom::core::{Encoding, Limits, Tag, TransferSyntax, VR, trim_uid};
use rs_dicom::dictionary;
use rs_dicom::parser::{ElementReader, Token};

const UNDEFINED: u32 = 0xFFFF_FFFF;
const DICM: &[u8; 4] = b"DICM";
const META_START: usize = 132;

/// Where one element's value is in the header bytes, and its VR as written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub vr: VR,
    pub start: usize,
    pub len: usize,
}

impl Span {
    /// The value's bytes.
    pub fn of<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        bytes.get(self.start..self.start + self.len).unwrap_or(&[])
    }
}

/// The outcome of a walk.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Walk {
    /// The walk reached the stop (or the end of the whole file): the spans are filled.
    Done,
    /// The bytes end before the stop: read more and walk again.
    More,
    /// Not a case this walk takes: read the file with the core reader.
    Fallback,
}

/// What a walk looks for: the requested tags in tag order, each with its slot (its column,
/// or one past the columns for the SOP Class UID), and the stop.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Requested dataset tags (as [`key_of`] numbers), ascending, with the slot each fills.
    pub data: Vec<(u32, usize)>,
    /// Requested file meta tags (group 0002), ascending.
    pub meta: Vec<(Tag, usize)>,
    /// The last dataset tag needed.
    pub stop_after: Tag,
    /// The core reader's limits (its depth limit applies to skipped sequences).
    pub limits: Limits,
}

/// The spans a walk found: one slot per column, then the SOP Class UID; and the transfer
/// syntax UID.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub slots: Vec<Option<Span>>,
    pub ts_uid: Option<Span>,
}

impl Found {
    fn reset(&mut self, slots: usize) {
        self.slots.clear();
        self.slots.resize(slots, None);
        self.ts_uid = None;
    }
}

/// A tag as one number, group high: ordered as tags are.
pub(crate) fn key_of(t: Tag) -> u32 {
    u32::from(t.0) << 16 | u32::from(t.1)
}

/// Two upper-case letters: the core reader's test for an explicit VR.
fn looks_like_vr(b: &[u8]) -> bool {
    b.len() >= 2 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase()
}

/// `More` when the bytes are a prefix (more may follow), else `Fallback`.
fn short(whole: bool) -> Walk {
    if whole { Walk::Fallback } else { Walk::More }
}

/// One explicit VR little endian element header at `pos`: tag, VR, length and value offset.
enum Header {
    Element(Tag, VR, u32, usize),
    Short,
    Odd,
}

fn header(bytes: &[u8], pos: usize) -> Header {
    let Some(h) = bytes.get(pos..pos + 8) else {
        return Header::Short;
    };
    let tag = Tag(
        u16::from_le_bytes([h[0], h[1]]),
        u16::from_le_bytes([h[2], h[3]]),
    );
    if !looks_like_vr(&h[4..6]) {
        return Header::Odd;
    }
    let Some(vr) = VR::from_bytes([h[4], h[5]]) else {
        return Header::Odd;
    };
    if vr.has_long_length() {
        match bytes.get(pos + 8..pos + 12) {
            Some(l) => Header::Element(
                tag,
                vr,
                u32::from_le_bytes([l[0], l[1], l[2], l[3]]),
                pos + 12,
            ),
            None => Header::Short,
        }
    } else {
        Header::Element(
            tag,
            vr,
            u32::from(u16::from_le_bytes([h[6], h[7]])),
            pos + 8,
        )
    }
}

fn says_sq(tag: Tag) -> bool {
    !tag.is_private() && dictionary::by_tag(tag).is_some_and(|e| e.vrs.first() == Some(&VR::SQ))
}

impl Plan {
    /// Walks `bytes` (the whole file when `whole`, else its first bytes), filling `found`.
    pub fn walk(&self, bytes: &[u8], whole: bool, found: &mut Found, slots: usize) -> Walk {
        found.reset(slots);
        if bytes.len() < META_START + 8 {
            return short(whole);
        }
        if &bytes[128..META_START] != DICM
            || u16::from_le_bytes([bytes[META_START], bytes[META_START + 1]]) != 0x0002
        {
            return Walk::Fallback;
        }
        let start = match self.meta(bytes, whole, found) {
            Ok(p) => p,
            Err(w) => return w,
        };
        let Some(ts) = found.ts_uid.map(|s| s.of(bytes)) else {
            return Walk::Fallback;
        };
        let Ok(uid) = std::str::from_utf8(ts) else {
            return Walk::Fallback;
        };
        let Some(ts) = TransferSyntax::from_uid(trim_uid(uid)) else {
            return Walk::Fallback;
        };
        if ts.deflated || ts.encoding().big_endian {
            return Walk::Fallback;
        }
        // The core reader's choice of encoding: the first element's VR, whatever the
        // transfer syntax says.
        match bytes.get(start + 4..start + 6) {
            Some(v) if looks_like_vr(v) && VR::from_bytes([v[0], v[1]]).is_some() => {}
            Some(_) => return Walk::Fallback,
            None => return short(whole),
        }
        self.dataset(bytes, start, whole, found)
    }

    /// The file meta group: its end, or how the walk ends.
    fn meta(&self, bytes: &[u8], whole: bool, found: &mut Found) -> Result<usize, Walk> {
        let mut pos = META_START;
        let mut last: Option<Tag> = None;
        let mut want = self.meta.iter().peekable();
        loop {
            if bytes.len() < pos + 4 {
                return Err(short(whole));
            }
            if u16::from_le_bytes([bytes[pos], bytes[pos + 1]]) != 0x0002 {
                return Ok(pos);
            }
            let (tag, vr, length, value) = match header(bytes, pos) {
                Header::Element(t, v, l, p) => (t, v, l, p),
                Header::Short => return Err(short(whole)),
                Header::Odd => return Err(Walk::Fallback),
            };
            if last.is_some_and(|l| tag <= l)
                || matches!(vr, VR::SQ | VR::UN)
                || length == UNDEFINED
            {
                return Err(Walk::Fallback);
            }
            last = Some(tag);
            let len = length as usize;
            if bytes.len() < value + len {
                return Err(short(whole));
            }
            let span = Span {
                vr,
                start: value,
                len,
            };
            if tag == Tag::TRANSFER_SYNTAX_UID {
                found.ts_uid = Some(span);
            }
            while want.next_if(|(t, _)| *t < tag).is_some() {}
            while let Some((_, slot)) = want.next_if(|(t, _)| *t == tag) {
                found.slots[*slot] = Some(span);
            }
            pos = value + len;
        }
    }

    /// The top-level dataset elements from `pos` to the stop.
    fn dataset(&self, bytes: &[u8], mut pos: usize, whole: bool, found: &mut Found) -> Walk {
        // Tag 0 cannot follow: (0000,0000) in a dataset is out of order for the core reader
        // too (it would sort it first), so it falls back.
        let mut last: u32 = 0;
        let stop = key_of(self.stop_after);
        let mut want = self.data.iter().peekable();
        loop {
            if pos >= bytes.len() {
                // The core reader ends a whole file's dataset here; a prefix may go on.
                return if whole { Walk::Done } else { Walk::More };
            }
            if bytes.len() - pos < 8 {
                // Trailing bytes, or a cut header: the core reader's rules for each.
                return short(whole);
            }
            // The tag as one number (group high): one comparison orders two tags.
            let group = u32::from(u16::from_le_bytes([bytes[pos], bytes[pos + 1]]));
            let key = group << 16 | u32::from(u16::from_le_bytes([bytes[pos + 2], bytes[pos + 3]]));
            if group == 0xFFFE || key <= last {
                return Walk::Fallback;
            }
            if key > stop {
                return Walk::Done;
            }
            if group >= 0x7FE0 {
                // Pixel data and its like: the core reader's rules.
                return Walk::Fallback;
            }
            last = key;
            let tag = Tag::from_u32(key);
            let (vr, length, value) = match header(bytes, pos) {
                Header::Element(_, v, l, p) => (v, l, p),
                Header::Short => return short(whole),
                Header::Odd => return Walk::Fallback,
            };
            while want.next_if(|(t, _)| *t < key).is_some() {}
            let requested = want.peek().is_some_and(|(t, _)| *t == key);
            let undefined = length == UNDEFINED;
            let sequence = vr == VR::SQ || (vr == VR::UN && (undefined || says_sq(tag)));
            if sequence {
                if requested {
                    return Walk::Fallback;
                }
                match self.skip_sequence(bytes, pos, whole) {
                    Ok(end) => pos = end,
                    Err(w) => return w,
                }
                continue;
            }
            if undefined || (vr == VR::UN && requested) {
                return Walk::Fallback;
            }
            let len = length as usize;
            if bytes.len() < value + len {
                return short(whole);
            }
            while let Some((_, slot)) = want.next_if(|(t, _)| *t == key) {
                found.slots[*slot] = Some(Span {
                    vr,
                    start: value,
                    len,
                });
            }
            pos = value + len;
        }
    }

    /// Skips the sequence whose header is at `pos` with the core tokenizer: its end.
    fn skip_sequence(&self, bytes: &[u8], pos: usize, whole: bool) -> Result<usize, Walk> {
        let mut reader =
            ElementReader::new(bytes, pos, None, Encoding::EXPLICIT_LE).limits(&self.limits);
        let mut depth = 0usize;
        loop {
            match reader.next() {
                Some(Ok(Token::SequenceStart { .. })) => depth += 1,
                Some(Ok(Token::SequenceEnd)) => match depth.checked_sub(1) {
                    Some(d) => depth = d,
                    None => return Err(Walk::Fallback),
                },
                Some(Ok(Token::Element { .. } | Token::ItemStart { .. } | Token::ItemEnd))
                    if depth > 0 => {}
                Some(Ok(_)) => return Err(Walk::Fallback),
                // An error or the end of the bytes inside the sequence: a prefix may hold
                // the rest; in a whole file the core reader makes the error.
                Some(Err(_)) | None => return Err(short(whole)),
            }
            if depth == 0 {
                return Ok(reader.position());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::Array;
    use rs_dicom::parser::{ReadOptions, parse_file_with};

    use crate::{Column, Scan};
    use rs_dicom::core::Tag;

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");

    /// Every top-level element of the sample that a column can hold, and the meta group's.
    fn every_tag() -> Vec<Tag> {
        let file = parse_file_with(SAMPLE, ReadOptions::default()).unwrap();
        file.meta
            .iter()
            .chain(file.dataset.iter())
            .map(|e| e.tag)
            .filter(|t| *t < Tag(0x7FE0, 0) && Column::for_tag(*t).is_ok())
            .collect()
    }

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rs_dicom_scan_walk_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn walked_rows_equal_the_core_readers() {
        let tags = every_tag();
        assert!(tags.len() > 50, "{} tags", tags.len());
        for (tags, mtime) in [
            (tags.clone(), true),
            (tags[..tags.len() / 3].to_vec(), false),
            (vec![Tag(0x0008, 0x0016), Tag(0x0002, 0x0010)], false),
        ] {
            let scan = Scan::new(&tags, mtime).unwrap();
            let paths = vec![SAMPLE.to_string()];
            assert_eq!(
                scan.batch(&paths).unwrap(),
                scan.core_batch(&paths).unwrap()
            );
            // The walk takes this file (it is not all the core reader's).
            let bytes = std::fs::read(SAMPLE).unwrap();
            let mut found = super::Found::default();
            let walk = scan.plan.walk(&bytes, true, &mut found, tags.len() + 1);
            assert_eq!(walk, super::Walk::Done);
            assert!(found.slots.iter().filter(|s| s.is_some()).count() >= tags.len().min(3));
        }
    }

    /// Seeded mutations of the sample's header (values, lengths, VRs, tags) and cuts: every
    /// row equals the core reader's, walked or not.
    #[test]
    fn mutated_headers_give_the_core_readers_rows() {
        let tags = every_tag();
        let scan = Scan::new(&tags, false).unwrap();
        let base = std::fs::read(SAMPLE).unwrap();
        let mut seed: u64 = 0x5ca7_0001;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n.max(1)
        };
        let header = 3000.min(base.len());
        let mut paths = Vec::new();
        let mut walked = 0;
        for i in 0..400 {
            let mut data = base.clone();
            for _ in 0..1 + next(3) {
                let at = next(header);
                data[at] = match next(4) {
                    0 => b' ',
                    1 => 0,
                    2 => b'\\',
                    _ => next(256) as u8,
                };
            }
            if next(6) == 0 {
                data.truncate(next(data.len()));
            }
            let mut found = super::Found::default();
            if scan.plan.walk(&data, true, &mut found, tags.len() + 1) == super::Walk::Done {
                walked += 1;
            }
            let path = temp(&format!("m{i}.dcm"));
            std::fs::write(&path, &data).unwrap();
            paths.push(path.to_string_lossy().into_owned());
        }
        let got = scan.batch(&paths).unwrap();
        let want = scan.core_batch(&paths).unwrap();
        for p in &paths {
            let _ = std::fs::remove_file(p);
        }
        // Most mutants are still walked (their values are read by the walk's own code).
        assert!(walked > 200, "{walked} of 400 walked");
        assert_eq!(got.len(), want.len());
        for c in 0..got.num_columns() {
            assert_eq!(got.column(c), want.column(c), "column {c}");
        }
    }
}
