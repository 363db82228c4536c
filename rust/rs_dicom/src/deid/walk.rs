//! The walk over a dataset at any depth: every attribute meets its row of Table E.1-1 (or the
//! rules for what the table does not list), and sequences are cleaned item by item.
//!
//! Combined actions are resolved toward keeping the IOD conformant without knowing its
//! attribute types: X/Z → Z, X/D → D, Z/D and X/Z/D → D when the value is not empty (it may be
//! Type 1) and Z otherwise, X/Z/U* → the sequence kept with the UIDs inside replaced. What
//! identifies is gone either way; what stays is a value of the right VR.

use std::collections::{HashMap, HashSet};

use super::Config;
use super::action::{Action, Opt, Row, TagMatch, Why, decide, lookup};
use super::audit::{Entry, Outcome};
use super::safe::{Declared, Verdict, private_creators, verdict};
use super::values::{dummy, map_uids, padded, scrub, shift_dates, trim};
use crate::core::{Dataset, Element, SharedDataset, Tag, VR};

/// Content Sequence (0040,A730).
pub(crate) const CONTENT_SEQUENCE: Tag = Tag(0x0040, 0xA730);
/// The sequences whose items are content items (PS3.15 E.3.4): Content Sequence, Acquisition
/// Context Sequence, Specimen Preparation Step Content Item Sequence.
pub(crate) const STRUCTURED: [Tag; 3] =
    [CONTENT_SEQUENCE, Tag(0x0040, 0x0555), Tag(0x0040, 0x0612)];

const PATIENT_NAME: Tag = Tag(0x0010, 0x0010);
const PATIENT_ID: Tag = Tag(0x0010, 0x0020);
const OVERLAY_DATA: u16 = 0x3000;
const STANDARD_UID_ROOT: &str = "1.2.840.10008.";

/// How free text inside a sequence is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextMode {
    /// As the table says (unlisted text kept).
    Normal,
    /// Inside a sequence replaced by a dummy (D): unlisted free text becomes a dummy.
    Dummy,
    /// Inside a sequence being cleaned (C): identifiers in unlisted text are blanked.
    Scrub,
    /// Structured content under the Clean Structured Content Option: as Scrub, and each
    /// content item treated by its concept name ([`super::content`]).
    Content,
}

impl TextMode {
    fn scrubs(self) -> bool {
        matches!(self, TextMode::Scrub | TextMode::Content)
    }
}

/// What to do with one element.
enum Do {
    Keep,
    Remove,
    Set(Vec<u8>),
    EmptySequence,
    Recurse(TextMode),
    RemoveGroup(u16),
}

/// The state of one dataset's de-identification.
pub(crate) struct Walker<'a> {
    pub cfg: &'a Config,
    /// The patient's date offset in days.
    pub days: i64,
    /// Identifying words of this dataset, blanked out of cleaned text.
    pub identifiers: Vec<Vec<u8>>,
    /// Private blocks the file itself declares safe: (group, creator) → elements (None: all).
    pub declared_safe: Declared,
    pub audit: Option<Vec<Entry>>,
    pub dates_shifted: bool,
    pub warnings: Vec<String>,
    /// The patient's original ID (or name): the basis of pseudonyms.
    pub patient: Vec<u8>,
    /// The SR position of the content item being walked (None outside the SR tree).
    pub sr_pos: Option<Vec<u32>>,
    /// The SR positions of the content items to remove ([`super::content::plan_removals`]).
    pub sr_removed: HashSet<Vec<u32>>,
}

fn reason(row: &Row, action: Action, why: Why) -> String {
    let column = match why {
        Why::Basic => "Basic Profile".to_string(),
        Why::Option(o) => o.code().1.to_string(),
    };
    format!("Table E.1-1 {} ({}): {}", column, action.code(), row.name)
}

fn is_free_text(vr: VR) -> bool {
    matches!(vr, VR::ST | VR::LT | VR::UT | VR::UC)
}

fn is_text(vr: VR) -> bool {
    is_free_text(vr) || matches!(vr, VR::LO | VR::SH | VR::PN | VR::CS | VR::AE)
}

impl Walker<'_> {
    fn note(&mut self, path: &str, tag: Tag, outcome: Outcome, why: impl FnOnce() -> String) {
        if let Some(audit) = self.audit.as_mut() {
            audit.push(Entry {
                path: format!("{path}{tag}"),
                tag,
                outcome,
                reason: why(),
            });
        }
    }

    /// The audit path of item `i` of sequence `tag` at `path` (empty without an audit: the
    /// path is text for the audit only).
    pub(crate) fn item_path(&self, path: &str, tag: Tag, i: usize) -> String {
        if self.audit.is_some() {
            format!("{path}{tag}[{i}].")
        } else {
            String::new()
        }
    }

    /// De-identifies `ds` (at `path`, e.g. `(0008,1115)[0].`) and its items.
    pub fn walk(&mut self, ds: &mut Dataset, path: &str, mode: TextMode) {
        let creators = private_creators(ds);
        let mut plan: Vec<(Tag, Do)> = Vec::new();
        let mut kept_blocks: HashSet<(u16, u8)> = HashSet::new();
        for el in ds.iter() {
            if el.tag.is_private_creator() {
                continue; // decided once their blocks are
            }
            let raw = ds.bytes_of(el);
            let (what, outcome, why) = self.element(el, raw, &creators, mode);
            if el.tag.is_private() && !matches!(what, Do::Remove) {
                kept_blocks.insert((el.tag.group(), (el.tag.element() >> 8) as u8));
            }
            if let Some(outcome) = outcome {
                self.note(path, el.tag, outcome, || why);
            }
            plan.push((el.tag, what));
        }
        for el in ds.iter().filter(|e| e.tag.is_private_creator()) {
            let block = (el.tag.group(), el.tag.element() as u8);
            if !kept_blocks.contains(&block) {
                self.note(path, el.tag, Outcome::Removed, || {
                    "Table E.1-1 Basic Profile (X): Private attributes".to_string()
                });
                plan.push((el.tag, Do::Remove));
            }
        }
        for (tag, what) in plan {
            self.apply(ds, tag, what, path);
        }
    }

    fn apply(&mut self, ds: &mut Dataset, tag: Tag, what: Do, path: &str) {
        match what {
            Do::Keep => {}
            Do::Remove => {
                ds.remove(tag);
            }
            Do::RemoveGroup(group) => {
                let tags: Vec<Tag> = ds.iter().map(|e| e.tag).filter(|t| t.0 == group).collect();
                for t in tags {
                    ds.remove(t);
                }
            }
            Do::Set(bytes) => {
                let vr = ds.get(tag).map_or(VR::UN, |e| e.vr);
                ds.insert(Element::new(tag, vr, bytes));
            }
            Do::EmptySequence => {
                ds.insert(Element::sequence(tag, Vec::new()));
            }
            Do::Recurse(mode) => {
                let items: Vec<SharedDataset> = ds
                    .get(tag)
                    .and_then(Element::items)
                    .map(<[SharedDataset]>::to_vec)
                    .unwrap_or_default();
                if mode == TextMode::Content && STRUCTURED.contains(&tag) {
                    self.content_sequence(ds, tag, items, path);
                    return;
                }
                let sr_pos = self.sr_pos.take();
                for (i, item) in items.iter().enumerate() {
                    let mut guard = item.write();
                    let at = self.item_path(path, tag, i);
                    self.walk(&mut guard, &at, mode);
                }
                self.sr_pos = sr_pos;
            }
        }
    }

    /// The decision for one element, what the audit says about it and why.
    fn element(
        &mut self,
        el: &Element,
        raw: &[u8],
        creators: &HashMap<(u16, u8), Vec<u8>>,
        mode: TextMode,
    ) -> (Do, Option<Outcome>, String) {
        let tag = el.tag;
        if tag.is_group_length() && tag.0 != 0x0000 {
            // Retired (PS3.5 7.2), and wrong once values change.
            return (Do::Remove, None, String::new());
        }
        let Some(row) = lookup(tag) else {
            return self.unlisted(el, raw, mode);
        };
        let (action, why) = decide(row, self.cfg.options);
        // The reason is text for the audit only: not built when no audit is kept.
        let text = if self.audit.is_some() {
            reason(row, action, why)
        } else {
            String::new()
        };
        if row.tag == TagMatch::Private {
            if action != Action::C {
                return (Do::Remove, Some(Outcome::Removed), text);
            }
            return match verdict(el, creators, &self.cfg.safe_private, &self.declared_safe) {
                Verdict::Keep(why) if el.vr == VR::SQ => {
                    (Do::Recurse(mode), Some(Outcome::Kept), why)
                }
                // A kept UID still points at the instances, which have new UIDs.
                Verdict::Keep(why) => match self.mapped_uids(el.vr, raw) {
                    Some(v) => (Do::Set(v), Some(Outcome::Mapped), why),
                    None => (Do::Keep, Some(Outcome::Kept), why),
                },
                Verdict::Act(action, why) => {
                    let (what, outcome) = self.act(el, raw, row, action);
                    (what, Some(outcome), why)
                }
                Verdict::Remove(why) => (Do::Remove, Some(Outcome::Removed), why.unwrap_or(text)),
            };
        }
        let (what, outcome) = self.act(el, raw, row, action);
        (what, Some(outcome), text)
    }

    fn act(&mut self, el: &Element, raw: &[u8], row: &Row, action: Action) -> (Do, Outcome) {
        let (tag, vr) = (el.tag, el.vr);
        let empty = trim(raw).is_empty() && el.items().is_none_or(<[_]>::is_empty);
        let action = match action {
            Action::XZ => Action::Z,
            Action::XD => Action::D,
            Action::ZD | Action::XZD if empty => Action::Z,
            Action::ZD | Action::XZD => Action::D,
            Action::XZU if vr == VR::SQ => return (Do::Recurse(TextMode::Normal), Outcome::Kept),
            Action::XZU => Action::Z,
            a => a,
        };
        match action {
            Action::X => {
                let overlay = matches!(row.tag, TagMatch::Mask { .. })
                    && tag.0 & 0xFF00 == 0x6000
                    && tag.1 == OVERLAY_DATA;
                let what = if overlay {
                    Do::RemoveGroup(tag.0)
                } else {
                    Do::Remove
                };
                (what, Outcome::Removed)
            }
            Action::Z if tag == PATIENT_ID || tag == PATIENT_NAME => {
                let value = self.cfg.pseudonym(tag, raw, &self.patient);
                (Do::Set(padded(value.into_bytes(), vr)), Outcome::Replaced)
            }
            Action::Z if vr == VR::SQ => (Do::EmptySequence, Outcome::Emptied),
            Action::Z => (Do::Set(Vec::new()), Outcome::Emptied),
            Action::D if vr == VR::SQ => (Do::Recurse(TextMode::Dummy), Outcome::Replaced),
            Action::D | Action::U if vr == VR::UI => (
                Do::Set(map_uids(raw, |u| self.cfg.key.uid(u))),
                Outcome::Mapped,
            ),
            Action::D => match dummy(vr) {
                Some(v) => (Do::Set(v), Outcome::Replaced),
                None => (Do::Set(Vec::new()), Outcome::Emptied),
            },
            Action::U if vr == VR::SQ => (Do::Recurse(TextMode::Normal), Outcome::Kept),
            // A UID attribute read with an unknown VR (implicit VR, private dictionary).
            Action::U => (
                Do::Set(map_uids(raw, |u| self.cfg.key.uid(u))),
                Outcome::Mapped,
            ),
            Action::K if vr == VR::SQ => (Do::Recurse(TextMode::Normal), Outcome::Kept),
            Action::K => (Do::Keep, Outcome::Kept),
            Action::C => self.clean(el, raw),
            // Resolved above.
            Action::XZ | Action::XD | Action::ZD | Action::XZD | Action::XZU => {
                (Do::Remove, Outcome::Removed)
            }
        }
    }

    /// How to walk the items of the sequence `tag` met in `mode`: as structured content when
    /// it is one and the Clean Structured Content Option is on.
    fn sequence_mode(&self, tag: Tag, mode: TextMode) -> TextMode {
        if STRUCTURED.contains(&tag) && self.cfg.options.has(Opt::CleanStructuredContent) {
            TextMode::Content
        } else {
            mode
        }
    }

    /// The UIDs of a UI value mapped by the key, unless all are the standard's own or the
    /// Retain UIDs Option keeps them (None: keep the value).
    fn mapped_uids(&self, vr: VR, raw: &[u8]) -> Option<Vec<u8>> {
        if vr != VR::UI || self.cfg.options.has(Opt::RetainUids) {
            return None;
        }
        let text = String::from_utf8_lossy(trim(raw));
        let standard = text
            .split('\\')
            .all(|u| u.is_empty() || u.trim_end_matches('\0').starts_with(STANDARD_UID_ROOT));
        (!standard).then(|| map_uids(raw, |u| self.cfg.key.uid(u)))
    }

    /// C: dates moved, text rid of identifiers, sequences cleaned inside, the rest (overlay
    /// bitmaps, curve data under Clean Graphics; times under Modified Dates) kept.
    fn clean(&mut self, el: &Element, raw: &[u8]) -> (Do, Outcome) {
        match el.vr {
            VR::SQ => (
                Do::Recurse(self.sequence_mode(el.tag, TextMode::Scrub)),
                Outcome::Cleaned,
            ),
            VR::DA | VR::DT if self.cfg.options.has(Opt::RetainLongModifiedDates) => {
                if trim(raw).is_empty() {
                    return (Do::Keep, Outcome::Kept);
                }
                self.dates_shifted = true;
                match shift_dates(raw, el.vr, self.days) {
                    Some(v) => (Do::Set(v), Outcome::Shifted),
                    None => {
                        self.warnings
                            .push(format!("{}: not a date, emptied", el.tag));
                        (Do::Set(Vec::new()), Outcome::Emptied)
                    }
                }
            }
            vr if is_text(vr) => match scrub(raw, &self.identifiers) {
                Some(v) => (Do::Set(v), Outcome::Cleaned),
                None => (Do::Keep, Outcome::Cleaned),
            },
            _ => (Do::Keep, Outcome::Kept),
        }
    }

    /// What the table does not list: dates, times and person names are identifying wherever
    /// they are (removed, or kept/moved under the temporal options); UIDs outside the
    /// standard's own root are mapped like listed ones; sequences are walked; the rest kept.
    fn unlisted(
        &mut self,
        el: &Element,
        raw: &[u8],
        mode: TextMode,
    ) -> (Do, Option<Outcome>, String) {
        let opts = self.cfg.options;
        let audit = self.audit.is_some();
        let rule = |what: &str| {
            if audit {
                format!("rs_dicom: {what} not listed in Table E.1-1")
            } else {
                String::new()
            }
        };
        match el.vr {
            VR::SQ => (
                Do::Recurse(self.sequence_mode(el.tag, mode)),
                None,
                String::new(),
            ),
            VR::DA | VR::DT | VR::TM if opts.has(Opt::RetainLongFullDates) => (
                Do::Keep,
                Some(Outcome::Kept),
                rule("a date or time, kept with Full Dates;"),
            ),
            VR::DA | VR::DT if opts.has(Opt::RetainLongModifiedDates) => {
                let (what, outcome) = self.clean(el, raw);
                (what, Some(outcome), rule("a date, shifted;"))
            }
            VR::TM if opts.has(Opt::RetainLongModifiedDates) => (
                Do::Keep,
                Some(Outcome::Kept),
                rule("a time, kept with Modified Dates;"),
            ),
            // In structured content a DATE/TIME/DATETIME item needs its value (Type 1C).
            VR::DA | VR::DT | VR::TM if mode != TextMode::Normal => match dummy(el.vr) {
                Some(v) => (
                    Do::Set(v),
                    Some(Outcome::Replaced),
                    rule("a date or time in content"),
                ),
                None => (Do::Remove, Some(Outcome::Removed), rule("a date or time")),
            },
            VR::DA | VR::DT | VR::TM => {
                (Do::Remove, Some(Outcome::Removed), rule("a date or time"))
            }
            // A PNAME content item needs its value (Type 1).
            VR::PN if mode == TextMode::Dummy => (
                Do::Set(dummy(VR::PN).unwrap_or_default()),
                Some(Outcome::Replaced),
                rule("a person name in a replaced sequence"),
            ),
            VR::PN => (Do::Remove, Some(Outcome::Removed), rule("a person name")),
            VR::UI => match self.mapped_uids(VR::UI, raw) {
                Some(v) => (
                    Do::Set(v),
                    Some(Outcome::Mapped),
                    rule("a UID outside the standard's root"),
                ),
                None => (Do::Keep, None, String::new()),
            },
            vr if mode == TextMode::Dummy && is_free_text(vr) => match dummy(vr) {
                Some(v) => (
                    Do::Set(v),
                    Some(Outcome::Replaced),
                    rule("free text in a replaced sequence"),
                ),
                None => (Do::Keep, None, String::new()),
            },
            vr if mode.scrubs() && is_text(vr) => match scrub(raw, &self.identifiers) {
                Some(v) => (
                    Do::Set(v),
                    Some(Outcome::Cleaned),
                    rule("text in a cleaned sequence"),
                ),
                None => (Do::Keep, None, String::new()),
            },
            _ => (Do::Keep, None, String::new()),
        }
    }
}

/// Identifying words of a dataset (top level): the values of listed text attributes the
/// profile neither keeps nor cleans, and the components of person names. Short or purely numeric
/// fragments are left out (blanking every "1" would destroy the text and protect nothing).
pub(crate) fn identifiers(ds: &Dataset, cfg: &Config) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut push = |v: &[u8]| {
        let v = trim(v);
        let numeric = v.iter().all(|b| b.is_ascii_digit() || *b == b'.');
        if v.len() >= 2 && !(numeric && v.len() < 4) && !out.iter().any(|o| o == v) {
            out.push(v.to_vec());
        }
    };
    for el in ds.iter() {
        let Some(row) = lookup(el.tag) else { continue };
        if !is_text(el.vr) && !matches!(el.vr, VR::DA | VR::DT) {
            continue;
        }
        // What is kept is no identifier, nor is what is cleaned (a descriptor, whose words
        // are blanked only where they name someone).
        if matches!(decide(row, cfg.options).0, Action::K | Action::C) {
            continue;
        }
        let raw = ds.bytes_of(el);
        for value in raw.split(|&b| b == b'\\') {
            push(value);
            if el.vr == VR::PN {
                for part in value.split(|&b| matches!(b, b'^' | b'=' | b' ' | b',')) {
                    push(part);
                }
            }
        }
    }
    // Longest first: a full name is blanked before its parts.
    out.sort_by_key(|v| std::cmp::Reverse(v.len()));
    out
}
