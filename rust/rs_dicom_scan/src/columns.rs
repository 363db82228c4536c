//! Which columns a scan makes: one per requested tag, its Arrow type fixed by the data
//! dictionary (VR and VM), so that every file of a scan gives the same schema.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, TimeUnit};
use rs_dicom::VR;
use rs_dicom::core::Tag;
use rs_dicom::dictionary;
use rs_dicom::error::{DicomError, ErrorKind, Result};

/// The Arrow type family of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (AE AS CS LO LT PN SH ST UC UI UR UT) → utf8.
    Text,
    /// DS FL FD → float64.
    Float,
    /// IS US UL SS SL SV, and AT (the tag as its 32-bit number) → int64.
    Int,
    /// UV → uint64.
    UInt,
    /// DA → date32.
    Date,
    /// TM → time64 (µs).
    Time,
    /// DT → timestamp (µs, no time zone).
    DateTime,
    /// OB OD OF OL OV OW UN and tags the dictionary does not know → binary (the raw bytes).
    Binary,
}

impl Kind {
    /// The column kind of a VR; None for sequences.
    pub fn of_vr(vr: VR) -> Option<Kind> {
        Some(match vr {
            VR::SQ => return None,
            VR::DS | VR::FL | VR::FD => Kind::Float,
            VR::IS | VR::US | VR::UL | VR::SS | VR::SL | VR::SV | VR::AT => Kind::Int,
            VR::UV => Kind::UInt,
            VR::DA => Kind::Date,
            VR::TM => Kind::Time,
            VR::DT => Kind::DateTime,
            VR::OB | VR::OD | VR::OF | VR::OL | VR::OV | VR::OW | VR::UN => Kind::Binary,
            _ => Kind::Text,
        })
    }

    fn data_type(self) -> DataType {
        match self {
            Kind::Text => DataType::Utf8,
            Kind::Float => DataType::Float64,
            Kind::Int => DataType::Int64,
            Kind::UInt => DataType::UInt64,
            Kind::Date => DataType::Date32,
            Kind::Time => DataType::Time64(TimeUnit::Microsecond),
            Kind::DateTime => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::Binary => DataType::Binary,
        }
    }
}

/// One requested tag's column.
#[derive(Debug, Clone)]
pub struct Column {
    /// The tag read from each file (the file meta group for group 0002).
    pub tag: Tag,
    /// The column name: the keyword, or `GGGGEEEE` for a tag without one.
    pub name: String,
    /// The VR values are read as when a file gives none that fits (UN, implicit private).
    pub vr: Option<VR>,
    /// The Arrow type family.
    pub kind: Kind,
    /// A list column (the dictionary allows more than one value).
    pub list: bool,
}

impl Column {
    /// The column of a tag, typed by the data dictionary; sequences are refused.
    pub fn for_tag(tag: Tag) -> Result<Column> {
        let entry = dictionary::by_tag(tag);
        let vr = entry.and_then(|e| e.default_vr());
        let name = match entry {
            Some(e) if !e.keyword.is_empty() => e.keyword.to_string(),
            _ => format!("{:04X}{:04X}", tag.0, tag.1),
        };
        let kind = match vr {
            Some(vr) => Kind::of_vr(vr).ok_or_else(|| {
                DicomError::new(
                    ErrorKind::InvalidValue,
                    None,
                    "",
                    format!("{name} is a sequence: scan reads element values, not sequences"),
                )
            })?,
            None => Kind::Binary,
        };
        let list = kind != Kind::Binary && entry.is_some_and(|e| e.vm != "1");
        Ok(Column {
            tag,
            name,
            vr,
            kind,
            list,
        })
    }

    /// The column's Arrow field.
    pub fn field(&self) -> Field {
        let dt = self.kind.data_type();
        let dt = if self.list {
            DataType::List(Arc::new(item_field(dt)))
        } else {
            dt
        };
        Field::new(&self.name, dt, true)
    }
}

/// The item field of list columns (Arrow's conventional name).
pub fn item_field(dt: DataType) -> Field {
    Field::new("item", dt, true)
}

/// The columns every scan has, before the requested ones.
pub const FIXED: [&str; 5] = [
    "path",
    "size",
    "error",
    "transfer_syntax_uid",
    "sop_class_uid",
];

/// The full schema: the fixed columns, the requested ones, and `mtime` when asked for.
pub fn fields(columns: &[Column], mtime: bool) -> Fields {
    let mut f = vec![
        Field::new(FIXED[0], DataType::Utf8, false),
        Field::new(FIXED[1], DataType::Int64, true),
        Field::new(FIXED[2], DataType::Utf8, true),
        Field::new(FIXED[3], DataType::Utf8, true),
        Field::new(FIXED[4], DataType::Utf8, true),
    ];
    f.extend(columns.iter().map(Column::field));
    if mtime {
        f.push(Field::new(
            "mtime",
            DataType::Timestamp(TimeUnit::Nanosecond, None),
            true,
        ));
    }
    Fields::from(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_dictionary() {
        let c = Column::for_tag(Tag(0x0028, 0x0030)).unwrap();
        assert_eq!(c.name, "PixelSpacing");
        assert!(c.list);
        assert_eq!(c.kind, Kind::Float);
        let c = Column::for_tag(Tag(0x0008, 0x0020)).unwrap();
        assert_eq!((c.kind, c.list), (Kind::Date, false));
        let c = Column::for_tag(Tag(0x0009, 0x0010)).unwrap();
        assert_eq!((c.name.as_str(), c.kind), ("00090010", Kind::Binary));
        assert!(Column::for_tag(Tag(0x0008, 0x1115)).is_err());
    }
}
