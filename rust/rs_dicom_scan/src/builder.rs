//! Arrow builders of one batch: each file appends one row, and the batch ends as a
//! `StructArray` (a record batch) whose fields are the scan's schema.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BinaryBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder,
    PrimitiveBuilder, StringBuilder, Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
    TimestampNanosecondBuilder, UInt64Builder,
};
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::{ArrayRef, StructArray};
use arrow_schema::{ArrowError, DataType, Fields};

use crate::columns::{Column, Kind, item_field};
use crate::values::Cell;

mod direct;

pub(crate) use direct::first_text;

/// A builder of scalar values that a list builder can wrap.
trait Push: ArrayBuilder {
    type Item;
    fn push(&mut self, v: Option<Self::Item>);
}

impl<T: ArrowPrimitiveType> Push for PrimitiveBuilder<T> {
    type Item = T::Native;
    fn push(&mut self, v: Option<T::Native>) {
        self.append_option(v);
    }
}

impl Push for StringBuilder {
    type Item = String;
    fn push(&mut self, v: Option<String>) {
        self.append_option(v);
    }
}

/// A column that holds one value per row, or a list of values per row.
enum Slot<B: Push> {
    One(B),
    Many(ListBuilder<B>),
}

impl<B: Push> Slot<B> {
    fn new(list: bool, b: B, item: DataType) -> Self {
        if list {
            Slot::Many(ListBuilder::new(b).with_field(Arc::new(item_field(item))))
        } else {
            Slot::One(b)
        }
    }

    fn null(&mut self) {
        match self {
            Slot::One(b) => b.push(None),
            Slot::Many(l) => l.append_null(),
        }
    }

    /// Appends a row's values. A scalar column takes the only value; an element that holds
    /// more values than its dictionary VM allows keeps the first (text keeps them all, see
    /// [`joined`]); no value is a null.
    fn values(&mut self, vals: Vec<Option<B::Item>>) {
        match self {
            Slot::One(b) => b.push(vals.into_iter().next().flatten()),
            Slot::Many(l) => {
                for v in vals {
                    l.values().push(v);
                }
                l.append(true);
            }
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Slot::One(b) => b.finish(),
            Slot::Many(l) => Arc::new(l.finish()),
        }
    }
}

/// Text in a scalar column: several values are kept as DICOM writes them, joined by `\`.
fn joined(list: bool, vals: Vec<String>) -> Vec<Option<String>> {
    if list || vals.len() < 2 {
        vals.into_iter().map(Some).collect()
    } else {
        vec![Some(vals.join("\\"))]
    }
}

/// The builder of one requested column.
enum ColumnBuilder {
    Text(Slot<StringBuilder>),
    Float(Slot<Float64Builder>),
    Int(Slot<Int64Builder>),
    UInt(Slot<UInt64Builder>),
    Date(Slot<Date32Builder>),
    Time(Slot<Time64MicrosecondBuilder>),
    DateTime(Slot<TimestampMicrosecondBuilder>),
    Binary(BinaryBuilder),
}

impl ColumnBuilder {
    fn new(c: &Column) -> Self {
        use arrow_schema::TimeUnit::Microsecond;
        let l = c.list;
        match c.kind {
            Kind::Text => Self::Text(Slot::new(l, StringBuilder::new(), DataType::Utf8)),
            Kind::Float => Self::Float(Slot::new(l, Float64Builder::new(), DataType::Float64)),
            Kind::Int => Self::Int(Slot::new(l, Int64Builder::new(), DataType::Int64)),
            Kind::UInt => Self::UInt(Slot::new(l, UInt64Builder::new(), DataType::UInt64)),
            Kind::Date => Self::Date(Slot::new(l, Date32Builder::new(), DataType::Date32)),
            Kind::Time => Self::Time(Slot::new(
                l,
                Time64MicrosecondBuilder::new(),
                DataType::Time64(Microsecond),
            )),
            Kind::DateTime => Self::DateTime(Slot::new(
                l,
                TimestampMicrosecondBuilder::new(),
                DataType::Timestamp(Microsecond, None),
            )),
            Kind::Binary => Self::Binary(BinaryBuilder::new()),
        }
    }

    fn null(&mut self) {
        match self {
            Self::Text(s) => s.null(),
            Self::Float(s) => s.null(),
            Self::Int(s) => s.null(),
            Self::UInt(s) => s.null(),
            Self::Date(s) => s.null(),
            Self::Time(s) => s.null(),
            Self::DateTime(s) => s.null(),
            Self::Binary(b) => b.append_null(),
        }
    }

    fn cell(&mut self, list: bool, cell: Cell<'_>) {
        match (self, cell) {
            (Self::Text(s), Cell::Text(v)) => s.values(joined(list, v)),
            (Self::Float(s), Cell::Float(v)) => s.values(v),
            (Self::Int(s), Cell::Int(v)) => s.values(v),
            (Self::UInt(s), Cell::UInt(v)) => s.values(v),
            (Self::Date(s), Cell::Int(v)) => s.values(
                v.into_iter()
                    .map(|d| d.and_then(|d| d.try_into().ok()))
                    .collect(),
            ),
            (Self::Time(s), Cell::Int(v)) => s.values(v),
            (Self::DateTime(s), Cell::Int(v)) => s.values(v),
            (Self::Binary(b), Cell::Binary(v)) => b.append_value(v),
            (this, _) => this.null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Self::Text(s) => s.finish(),
            Self::Float(s) => s.finish(),
            Self::Int(s) => s.finish(),
            Self::UInt(s) => s.finish(),
            Self::Date(s) => s.finish(),
            Self::Time(s) => s.finish(),
            Self::DateTime(s) => s.finish(),
            Self::Binary(b) => Arc::new(b.finish()),
        }
    }
}

/// The fixed columns of one row.
pub struct RowHead<'a> {
    /// The path as given.
    pub path: &'a str,
    /// The file size in bytes, if the file could be examined.
    pub size: Option<i64>,
    /// The error that stopped the read, if any.
    pub error: Option<&'a str>,
    /// The transfer syntax UID.
    pub transfer_syntax_uid: Option<&'a str>,
    /// The SOP Class UID.
    pub sop_class_uid: Option<&'a str>,
    /// The modification time in nanoseconds since the epoch.
    pub mtime: Option<i64>,
}

/// The builders of a batch.
pub struct BatchBuilder<'c> {
    columns: &'c [Column],
    fields: Fields,
    path: StringBuilder,
    size: Int64Builder,
    error: StringBuilder,
    ts: StringBuilder,
    sop: StringBuilder,
    mtime: Option<TimestampNanosecondBuilder>,
    cols: Vec<ColumnBuilder>,
    /// Joins the values of a scalar text cell (kept between rows).
    scratch: String,
    /// The header bytes of the file being read (kept between rows: one buffer per batch).
    pub(crate) buf: Vec<u8>,
    /// What the walk of the file being read found (kept between rows).
    pub(crate) found: crate::walk::Found,
    /// Opens the files of the batch relative to their folder (kept between rows).
    pub(crate) opener: crate::open::Opener,
}

impl<'c> BatchBuilder<'c> {
    /// Builders for `columns` (and `mtime` when asked for) with the given schema.
    pub fn new(columns: &'c [Column], fields: Fields, mtime: bool) -> Self {
        BatchBuilder {
            columns,
            fields,
            path: StringBuilder::new(),
            size: Int64Builder::new(),
            error: StringBuilder::new(),
            ts: StringBuilder::new(),
            sop: StringBuilder::new(),
            mtime: mtime.then(TimestampNanosecondBuilder::new),
            cols: columns.iter().map(ColumnBuilder::new).collect(),
            scratch: String::new(),
            buf: Vec::new(),
            found: crate::walk::Found::default(),
            opener: crate::open::Opener::default(),
        }
    }

    /// Appends a row: the fixed columns, then `cell(i)` for each requested column (None: null).
    pub fn row<'d>(&mut self, head: RowHead<'_>, mut cell: impl FnMut(usize) -> Option<Cell<'d>>) {
        self.head(head);
        for (i, b) in self.cols.iter_mut().enumerate() {
            match cell(i) {
                Some(c) => b.cell(self.columns[i].list, c),
                None => b.null(),
            }
        }
    }

    fn head(&mut self, head: RowHead<'_>) {
        self.path.append_value(head.path);
        self.size.append_option(head.size);
        self.error.append_option(head.error);
        self.ts.append_option(head.transfer_syntax_uid);
        self.sop.append_option(head.sop_class_uid);
        if let Some(m) = self.mtime.as_mut() {
            m.append_option(head.mtime);
        }
    }

    /// The batch as a struct array.
    pub fn finish(mut self) -> Result<StructArray, ArrowError> {
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(self.path.finish()),
            Arc::new(self.size.finish()),
            Arc::new(self.error.finish()),
            Arc::new(self.ts.finish()),
            Arc::new(self.sop.finish()),
        ];
        arrays.extend(self.cols.iter_mut().map(ColumnBuilder::finish));
        if let Some(m) = self.mtime.as_mut() {
            arrays.push(Arc::new(m.finish()));
        }
        StructArray::try_new(self.fields, arrays, None)
    }
}
