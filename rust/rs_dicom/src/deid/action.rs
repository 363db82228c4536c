//! The option columns of PS3.15 Table E.1-1, and which row of the table (with which option)
//! decides what happens to an attribute.

pub use super::row::{Action, ContentRow, Row, TagMatch};
use super::table::{EXACT, PATTERNS};
use crate::core::Tag;

/// The options of the profile (PS3.15 E.3), each with its code of CID 7050.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opt {
    /// Retain Safe Private Option (E.3.10).
    RetainSafePrivate,
    /// Retain UIDs Option (E.3.9).
    RetainUids,
    /// Retain Device Identity Option (E.3.8).
    RetainDeviceIdentity,
    /// Retain Institution Identity Option (E.3.11).
    RetainInstitutionIdentity,
    /// Retain Patient Characteristics Option (E.3.7).
    RetainPatientCharacteristics,
    /// Retain Longitudinal Temporal Information With Full Dates Option (E.3.6).
    RetainLongFullDates,
    /// Retain Longitudinal Temporal Information With Modified Dates Option (E.3.6).
    RetainLongModifiedDates,
    /// Clean Descriptors Option (E.3.5).
    CleanDescriptors,
    /// Clean Structured Content Option (E.3.4).
    CleanStructuredContent,
    /// Clean Graphics Option (E.3.3).
    CleanGraphics,
    /// Clean Pixel Data Option (E.3.1): no column of its own in Table E.1-1.
    CleanPixelData,
}

impl Opt {
    /// The options with a column in Table E.1-1, in the table's order.
    pub const COLUMNS: [Opt; 10] = [
        Opt::RetainSafePrivate,
        Opt::RetainUids,
        Opt::RetainDeviceIdentity,
        Opt::RetainInstitutionIdentity,
        Opt::RetainPatientCharacteristics,
        Opt::RetainLongFullDates,
        Opt::RetainLongModifiedDates,
        Opt::CleanDescriptors,
        Opt::CleanStructuredContent,
        Opt::CleanGraphics,
    ];

    /// Every option: the columns, then Clean Pixel Data.
    pub const ALL: [Opt; 11] = {
        let mut all = [Opt::CleanPixelData; 11];
        let mut i = 0;
        while i < Opt::COLUMNS.len() {
            all[i] = Opt::COLUMNS[i];
            i += 1;
        }
        all
    };

    /// The option's name in the Python API and the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Opt::RetainSafePrivate => "retain_safe_private",
            Opt::RetainUids => "retain_uids",
            Opt::RetainDeviceIdentity => "retain_device_identity",
            Opt::RetainInstitutionIdentity => "retain_institution_identity",
            Opt::RetainPatientCharacteristics => "retain_patient_characteristics",
            Opt::RetainLongFullDates => "retain_long_full_dates",
            Opt::RetainLongModifiedDates => "retain_long_modified_dates",
            Opt::CleanDescriptors => "clean_descriptors",
            Opt::CleanStructuredContent => "clean_structured_content",
            Opt::CleanGraphics => "clean_graphics",
            Opt::CleanPixelData => "clean_pixel_data",
        }
    }

    /// The option named `name` ([`Opt::name`]).
    pub fn from_name(name: &str) -> Option<Opt> {
        Opt::ALL.into_iter().find(|o| o.name() == name)
    }

    /// Its code value and meaning in CID 7050 "De-identification Method" (scheme DCM).
    pub fn code(self) -> (&'static str, &'static str) {
        match self {
            Opt::RetainSafePrivate => ("113111", "Retain Safe Private Option"),
            Opt::RetainUids => ("113110", "Retain UIDs Option"),
            Opt::RetainDeviceIdentity => ("113109", "Retain Device Identity Option"),
            Opt::RetainInstitutionIdentity => ("113112", "Retain Institution Identity Option"),
            Opt::RetainPatientCharacteristics => {
                ("113108", "Retain Patient Characteristics Option")
            }
            Opt::RetainLongFullDates => (
                "113106",
                "Retain Longitudinal Temporal Information Full Dates Option",
            ),
            Opt::RetainLongModifiedDates => (
                "113107",
                "Retain Longitudinal Temporal Information Modified Dates Option",
            ),
            Opt::CleanDescriptors => ("113105", "Clean Descriptors Option"),
            Opt::CleanStructuredContent => ("113104", "Clean Structured Content Option"),
            Opt::CleanGraphics => ("113103", "Clean Graphics Option"),
            Opt::CleanPixelData => ("113101", "Clean Pixel Data Option"),
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// The code of the Basic Application Confidentiality Profile in CID 7050.
pub const BASIC_PROFILE_CODE: (&str, &str) =
    ("113100", "Basic Application Confidentiality Profile");

/// A set of options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Options(u16);

impl Options {
    /// No option: the Basic Profile alone.
    pub const NONE: Options = Options(0);

    /// The set with `opt` added.
    pub fn with(self, opt: Opt) -> Options {
        Options(self.0 | opt.bit())
    }

    /// Whether `opt` is in the set.
    pub fn has(self, opt: Opt) -> bool {
        self.0 & opt.bit() != 0
    }

    /// The options in the set, in [`Opt::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Opt> {
        Opt::ALL.into_iter().filter(move |o| self.has(*o))
    }
}

/// Why an action was chosen: the row's Basic Profile column or an option's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The Basic Profile column of the row.
    Basic,
    /// The column of this option.
    Option(Opt),
}

/// The row of Table E.1-1 for `tag`, if the table lists it.
pub fn lookup(tag: Tag) -> Option<&'static Row> {
    let t = tag.as_u32();
    let exact = EXACT
        .binary_search_by_key(&t, |r| match r.tag {
            TagMatch::Exact(x) => x,
            _ => 0,
        })
        .ok()
        .and_then(|i| EXACT.get(i));
    exact.or_else(|| PATTERNS.iter().find(|r| r.tag.matches(tag)))
}

/// The action of `row` under `options`: an enabled option's column wins over the Basic
/// Profile's; among several enabled options the one that keeps most wins (K, then C, then X).
pub fn decide(row: &Row, options: Options) -> (Action, Why) {
    decide_columns(row.basic, &row.options, options)
}

/// [`decide`] for any table laid out in Table E.1-1's columns: the Basic Profile's action
/// `basic` and the option columns `columns`.
pub fn decide_columns(
    basic: Action,
    columns: &[Option<Action>; 10],
    options: Options,
) -> (Action, Why) {
    let rank = |a: Action| match a {
        Action::K => 3,
        Action::C => 2,
        _ => 1,
    };
    let mut best: Option<(Action, Why)> = None;
    for (opt, action) in Opt::COLUMNS.into_iter().zip(*columns) {
        let Some(action) = action.filter(|_| options.has(opt)) else {
            continue;
        };
        if best.is_none_or(|(b, _)| rank(action) > rank(b)) {
            best = Some((action, Why::Option(opt)));
        }
    }
    best.unwrap_or((basic, Why::Basic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_found() {
        assert!(EXACT.windows(2).all(|w| match (w[0].tag, w[1].tag) {
            (TagMatch::Exact(a), TagMatch::Exact(b)) => a < b,
            _ => false,
        }));
        for row in EXACT {
            let TagMatch::Exact(t) = row.tag else {
                panic!("pattern row among the exact ones")
            };
            assert_eq!(lookup(Tag::from_u32(t)).map(|r| r.name), Some(row.name));
        }
        assert_eq!(
            lookup(Tag(0x6002, 0x3000)).map(|r| r.name),
            Some("Overlay Data")
        );
        assert_eq!(
            lookup(Tag(0x5004, 0x0010)).map(|r| r.name),
            Some("Curve Data")
        );
        assert_eq!(
            lookup(Tag(0x0009, 0x1001)).map(|r| r.name),
            Some("Private attributes")
        );
        assert!(lookup(Tag(0x0028, 0x0010)).is_none());
        assert!(lookup(Tag(0x6001, 0x3000)).is_some_and(|r| r.tag == TagMatch::Private));
    }

    #[test]
    fn options_override_the_basic_profile() {
        let Some(row) = lookup(Tag(0x0008, 0x0022)) else {
            panic!("Acquisition Date is in the table")
        };
        assert_eq!(decide(row, Options::NONE), (Action::XZ, Why::Basic));
        let full = Options::NONE.with(Opt::RetainLongFullDates);
        assert_eq!(decide(row, full).0, Action::K);
        let shift = Options::NONE.with(Opt::RetainLongModifiedDates);
        assert_eq!(decide(row, shift).0, Action::C);
        // Allergies: patient characteristics and descriptors both clean.
        let Some(row) = lookup(Tag(0x0010, 0x2110)) else {
            panic!("Allergies is in the table")
        };
        let opts = Options::NONE.with(Opt::CleanDescriptors);
        assert_eq!(
            decide(row, opts),
            (Action::C, Why::Option(Opt::CleanDescriptors))
        );
    }
}
