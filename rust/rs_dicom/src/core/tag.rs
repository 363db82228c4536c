use std::fmt;

/// A DICOM attribute tag: (group, element).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Tag(pub u16, pub u16);

impl Tag {
    /// Item (FFFE,E000).
    pub const ITEM: Tag = Tag(0xFFFE, 0xE000);
    /// Item Delimitation Item (FFFE,E00D).
    pub const ITEM_DELIMITER: Tag = Tag(0xFFFE, 0xE00D);
    /// Sequence Delimitation Item (FFFE,E0DD).
    pub const SEQUENCE_DELIMITER: Tag = Tag(0xFFFE, 0xE0DD);
    /// Pixel Data (7FE0,0010).
    pub const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);
    /// Float Pixel Data (7FE0,0008).
    pub const FLOAT_PIXEL_DATA: Tag = Tag(0x7FE0, 0x0008);
    /// Double Float Pixel Data (7FE0,0009).
    pub const DOUBLE_FLOAT_PIXEL_DATA: Tag = Tag(0x7FE0, 0x0009);
    /// Transfer Syntax UID (0002,0010).
    pub const TRANSFER_SYNTAX_UID: Tag = Tag(0x0002, 0x0010);
    /// Specific Character Set (0008,0005).
    pub const SPECIFIC_CHARACTER_SET: Tag = Tag(0x0008, 0x0005);
    /// Extended Offset Table (7FE0,0001).
    pub const EXTENDED_OFFSET_TABLE: Tag = Tag(0x7FE0, 0x0001);
    /// Extended Offset Table Lengths (7FE0,0002).
    pub const EXTENDED_OFFSET_TABLE_LENGTHS: Tag = Tag(0x7FE0, 0x0002);

    /// Builds a tag from its 32-bit form `0xGGGGEEEE`.
    pub const fn from_u32(v: u32) -> Tag {
        Tag((v >> 16) as u16, (v & 0xFFFF) as u16)
    }

    /// The 32-bit form `0xGGGGEEEE`.
    pub const fn as_u32(self) -> u32 {
        ((self.0 as u32) << 16) | self.1 as u32
    }

    /// Group number.
    pub const fn group(self) -> u16 {
        self.0
    }

    /// Element number.
    pub const fn element(self) -> u16 {
        self.1
    }

    /// True for tags in odd groups (private data elements), except groups 0001-0007 and FFFF.
    pub const fn is_private(self) -> bool {
        self.0 % 2 == 1 && self.0 > 0x0007 && self.0 != 0xFFFF
    }

    /// True for private creator elements (gggg,0010-00FF) in a private group.
    pub const fn is_private_creator(self) -> bool {
        self.is_private() && self.1 >= 0x0010 && self.1 <= 0x00FF
    }

    /// True for group length elements (gggg,0000).
    pub const fn is_group_length(self) -> bool {
        self.1 == 0
    }

    /// True for the item and delimiter tags of group FFFE.
    pub const fn is_delimiter_group(self) -> bool {
        self.0 == 0xFFFE
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:04X},{:04X})", self.0, self.1)
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<u32> for Tag {
    fn from(v: u32) -> Tag {
        Tag::from_u32(v)
    }
}

impl From<(u16, u16)> for Tag {
    fn from((g, e): (u16, u16)) -> Tag {
        Tag(g, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_display() {
        let t = Tag::from_u32(0x0010_0010);
        assert_eq!(t, Tag(0x0010, 0x0010));
        assert_eq!(t.as_u32(), 0x0010_0010);
        assert_eq!(t.to_string(), "(0010,0010)");
        assert!(Tag(0x0009, 0x0010).is_private_creator());
        assert!(!Tag(0x0008, 0x0010).is_private());
        assert!(Tag(0x0008, 0x0010) < Tag(0x0008, 0x0011));
    }
}
