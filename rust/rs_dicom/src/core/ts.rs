/// How a transfer syntax encodes the dataset (PS3.5 10, Annex A).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferSyntax {
    /// The UID.
    pub uid: &'static str,
    /// Short name.
    pub name: &'static str,
    /// Explicit VR (false: implicit VR).
    pub explicit_vr: bool,
    /// Big endian byte order.
    pub big_endian: bool,
    /// Dataset after the file meta is deflated (RFC 1951).
    pub deflated: bool,
    /// Pixel data is encapsulated (fragments).
    pub encapsulated: bool,
}

const fn ts(
    uid: &'static str,
    name: &'static str,
    explicit_vr: bool,
    big_endian: bool,
    deflated: bool,
    encapsulated: bool,
) -> TransferSyntax {
    TransferSyntax {
        uid,
        name,
        explicit_vr,
        big_endian,
        deflated,
        encapsulated,
    }
}

/// Transfer syntaxes with a known encoding; any other UID is read as explicit VR little endian
/// with encapsulated pixel data (the encoding of every compressed syntax).
static KNOWN: &[TransferSyntax] = &[
    ts(
        "1.2.840.10008.1.2",
        "Implicit VR Little Endian",
        false,
        false,
        false,
        false,
    ),
    ts(
        "1.2.840.10008.1.2.1",
        "Explicit VR Little Endian",
        true,
        false,
        false,
        false,
    ),
    ts(
        "1.2.840.10008.1.2.1.98",
        "Encapsulated Uncompressed Explicit VR Little Endian",
        true,
        false,
        false,
        true,
    ),
    ts(
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
        true,
        false,
        true,
        false,
    ),
    ts(
        "1.2.840.10008.1.2.2",
        "Explicit VR Big Endian",
        true,
        true,
        false,
        false,
    ),
    ts(
        "1.2.840.113619.5.2",
        "Implicit VR Big Endian (GE private)",
        false,
        true,
        false,
        false,
    ),
];

impl TransferSyntax {
    /// Implicit VR Little Endian, the default transfer syntax.
    pub const IMPLICIT_VR_LE: TransferSyntax = ts(
        "1.2.840.10008.1.2",
        "Implicit VR Little Endian",
        false,
        false,
        false,
        false,
    );
    /// Explicit VR Little Endian.
    pub const EXPLICIT_VR_LE: TransferSyntax = ts(
        "1.2.840.10008.1.2.1",
        "Explicit VR Little Endian",
        true,
        false,
        false,
        false,
    );
    /// Explicit VR Big Endian (retired).
    pub const EXPLICIT_VR_BE: TransferSyntax = ts(
        "1.2.840.10008.1.2.2",
        "Explicit VR Big Endian",
        true,
        true,
        false,
        false,
    );

    /// Looks up a transfer syntax UID; trailing NUL/space padding is ignored.
    /// Unknown UIDs in the DICOM root are assumed to be compressed (explicit VR LE, encapsulated).
    pub fn from_uid(uid: &str) -> Option<TransferSyntax> {
        let uid = uid.trim_end_matches(['\0', ' ']);
        if let Some(t) = KNOWN.iter().find(|t| t.uid == uid) {
            return Some(*t);
        }
        if uid.starts_with("1.2.840.10008.1.2.") {
            return Some(ts("", "Encapsulated", true, false, false, true));
        }
        None
    }

    /// True for the transfer syntaxes whose values are little endian.
    pub const fn little_endian(&self) -> bool {
        !self.big_endian
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup() {
        assert!(
            !TransferSyntax::from_uid("1.2.840.10008.1.2\0")
                .unwrap()
                .explicit_vr
        );
        let jpeg = TransferSyntax::from_uid("1.2.840.10008.1.2.4.50").unwrap();
        assert!(jpeg.encapsulated && jpeg.explicit_vr);
        assert!(
            TransferSyntax::from_uid("1.2.840.10008.1.2.1.99")
                .unwrap()
                .deflated
        );
        assert!(TransferSyntax::from_uid("1.2.3").is_none());
    }
}
