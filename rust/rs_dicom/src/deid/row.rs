//! What a row of PS3.15 Table E.1-1 is: an attribute (or a pattern of them) and the action
//! codes of the Basic Profile and each option column; and a row of Table E.3.10-1, a safe
//! private attribute. The generated tables are made of these.

use crate::core::{Tag, VR};

/// An action code of Table E.1-1 (PS3.15 E.1.1), single or combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Replace with a non-zero length dummy value consistent with the VR.
    D,
    /// Replace with a zero length value (or a dummy).
    Z,
    /// Remove.
    X,
    /// Keep (unchanged for non-sequence attributes, cleaned for sequences).
    K,
    /// Clean: replace with values of similar meaning known not to identify.
    C,
    /// Replace the UID with one that is internally consistent within a set of instances.
    U,
    /// Z unless D is required to keep the IOD conformant (Type 2 versus Type 1).
    ZD,
    /// X unless Z is required (Type 3 versus Type 2).
    XZ,
    /// X unless D is required (Type 3 versus Type 1).
    XD,
    /// X unless Z or D is required (Type 3 versus Type 2 versus Type 1).
    XZD,
    /// X unless Z or replacing the contained instance UIDs is required (sequences).
    XZU,
}

impl Action {
    /// The code as the standard writes it.
    pub fn code(self) -> &'static str {
        match self {
            Action::D => "D",
            Action::Z => "Z",
            Action::X => "X",
            Action::K => "K",
            Action::C => "C",
            Action::U => "U",
            Action::ZD => "Z/D",
            Action::XZ => "X/Z",
            Action::XD => "X/D",
            Action::XZD => "X/Z/D",
            Action::XZU => "X/Z/U*",
        }
    }
}

/// Which attributes a row names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagMatch {
    /// One tag (`0xGGGGEEEE`).
    Exact(u32),
    /// Repeating groups: the tag ANDed with `mask` equals `value`.
    Mask {
        /// The fixed digits.
        value: u32,
        /// Which digits are fixed.
        mask: u32,
    },
    /// Private attributes (odd groups).
    Private,
}

impl TagMatch {
    /// True when the row names `tag`.
    pub fn matches(self, tag: Tag) -> bool {
        match self {
            TagMatch::Exact(t) => tag.as_u32() == t,
            TagMatch::Mask { value, mask } => {
                // 50xx and 60xx are even groups only (PS3.5 7.6).
                tag.as_u32() & mask == value && tag.group().is_multiple_of(2)
            }
            TagMatch::Private => tag.is_private(),
        }
    }
}

/// One row of Table E.1-1.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The attribute(s) of the row.
    pub tag: TagMatch,
    /// The attribute's name as the table gives it.
    pub name: &'static str,
    /// Whether the attribute is in a standard composite IOD ("In Std. Comp. IOD").
    pub in_std_iod: bool,
    /// The Basic Profile's action.
    pub basic: Action,
    /// The action of each option column, in [`Opt::COLUMNS`](super::action::Opt::COLUMNS) order.
    pub options: [Option<Action>; 10],
}

/// One row of PS3.15 Table E.3.10-1 "Safe Private Attributes": an attribute of a private
/// block, named by its group, its creator and its offset within the block (the low byte of
/// the element; the block itself is assigned per file).
#[derive(Debug, Clone, Copy)]
pub struct SafeRow {
    /// The (odd) group.
    pub group: u16,
    /// The element's offset within its private block (the `ee` of `(gggg,xxee)`).
    pub element: u8,
    /// The private creator that reserves the block.
    pub creator: &'static str,
    /// The VR the table gives (None where it gives none).
    pub vr: Option<VR>,
    /// The VM the table gives.
    pub vm: &'static str,
    /// What the attribute holds, as the table says.
    pub meaning: &'static str,
}

/// One row of the Clean Structured Content Option's table (PS3.15 E.3.4, "Content Item
/// Concept Name Codes"): a content item named by its concept name code and value type.
#[derive(Debug, Clone, Copy)]
pub struct ContentRow {
    /// The code value of the concept name.
    pub value: &'static str,
    /// The coding scheme designator of the concept name.
    pub scheme: &'static str,
    /// The value type (TEXT, PNAME, DATE, ...).
    pub value_type: &'static str,
    /// The code meaning as the table gives it.
    pub meaning: &'static str,
    /// The Basic Profile's action.
    pub basic: Action,
    /// The action of each option column, in Table E.1-1's column order (the columns this
    /// table lacks are `None`).
    pub options: [Option<Action>; 10],
}
