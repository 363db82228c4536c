// PLACEHOLDER: replaced by scripts/generate_dictionary.py
use super::{DictEntry, UidEntry};
pub(super) static ENTRIES: &[DictEntry] = &[];
pub(super) static UIDS: &[UidEntry] = &[];
