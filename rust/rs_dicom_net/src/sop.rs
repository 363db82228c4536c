//! Which SOP classes are storage SOP classes: the UID registry's "... Storage" SOP classes.

use std::sync::OnceLock;

/// The storage SOP class UIDs of the standard's registry (retired ones included).
pub fn storage_sop_classes() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        rs_dicom::dictionary::uids()
            .iter()
            .filter(|u| u.kind == "SOP Class" && is_storage_name(u.name))
            .map(|u| u.uid)
            .collect()
    })
}

fn is_storage_name(name: &str) -> bool {
    name.contains("Storage") && !name.contains("Storage Commitment")
}

/// `uid` is a storage SOP class of the registry.
pub fn is_storage_sop_class(uid: &str) -> bool {
    rs_dicom::dictionary::uid(uid).is_some_and(|u| u.kind == "SOP Class" && is_storage_name(u.name))
}

#[cfg(test)]
mod tests {
    #[test]
    fn storage_classes_are_found() {
        assert!(super::is_storage_sop_class("1.2.840.10008.5.1.4.1.1.2"));
        assert!(!super::is_storage_sop_class("1.2.840.10008.1.20.1"));
        assert!(!super::is_storage_sop_class(crate::VERIFICATION));
        assert!(super::storage_sop_classes().len() > 100);
    }
}
