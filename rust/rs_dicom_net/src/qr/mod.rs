//! Query/Retrieve (PS3.4 C) and Modality Worklist (PS3.4 K): C-FIND, C-MOVE and C-GET as
//! SCU ([`scu`]) and SCP ([`scp`]), attribute matching ([`matching`]) over an in-memory
//! index of stored files ([`index`]), kept across starts in an SQLite file ([`store`], with
//! the `sqlite-index` feature); the Modality Worklist SCP ([`worklist`]).

pub mod command;
pub mod index;
pub mod matching;
pub mod scp;
pub mod scu;
#[cfg(feature = "sqlite-index")]
pub mod store;
pub mod worklist;

use rs_dicom::core::{Encoding, Tag, VR};
use rs_dicom::writer::{ElementWriter, WriteOptions, write_bare};
use rs_dicom::{Dataset, TransferSyntax, parse_bytes};

use crate::assoc::Association;
use crate::error::{NetResult, net_error};

/// Patient Root Query/Retrieve Information Model - FIND.
pub const PATIENT_ROOT_FIND: &str = "1.2.840.10008.5.1.4.1.2.1.1";
/// Patient Root Query/Retrieve Information Model - MOVE.
pub const PATIENT_ROOT_MOVE: &str = "1.2.840.10008.5.1.4.1.2.1.2";
/// Patient Root Query/Retrieve Information Model - GET.
pub const PATIENT_ROOT_GET: &str = "1.2.840.10008.5.1.4.1.2.1.3";
/// Study Root Query/Retrieve Information Model - FIND.
pub const STUDY_ROOT_FIND: &str = "1.2.840.10008.5.1.4.1.2.2.1";
/// Study Root Query/Retrieve Information Model - MOVE.
pub const STUDY_ROOT_MOVE: &str = "1.2.840.10008.5.1.4.1.2.2.2";
/// Study Root Query/Retrieve Information Model - GET.
pub const STUDY_ROOT_GET: &str = "1.2.840.10008.5.1.4.1.2.2.3";
/// Modality Worklist Information Model - FIND.
pub const WORKLIST_FIND: &str = "1.2.840.10008.5.1.4.31";

/// The Q/R SOP classes the SCP serves.
pub const QR_SOP_CLASSES: [&str; 6] = [
    PATIENT_ROOT_FIND,
    PATIENT_ROOT_MOVE,
    PATIENT_ROOT_GET,
    STUDY_ROOT_FIND,
    STUDY_ROOT_MOVE,
    STUDY_ROOT_GET,
];

/// (0008,0052) Query/Retrieve Level.
pub const QUERY_RETRIEVE_LEVEL: Tag = Tag(0x0008, 0x0052);
/// (0008,0005) Specific Character Set.
pub const SPECIFIC_CHARACTER_SET: Tag = Tag(0x0008, 0x0005);
/// (0008,0054) Retrieve AE Title.
pub const RETRIEVE_AE_TITLE: Tag = Tag(0x0008, 0x0054);
/// (0008,0058) Failed SOP Instance UID List.
pub const FAILED_SOP_LIST: Tag = Tag(0x0008, 0x0058);

/// The largest identifier accepted: queries are small; this bounds what a peer can make us
/// hold.
pub const MAX_IDENTIFIER: usize = 4 << 20;

/// A Query/Retrieve level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// PATIENT.
    Patient,
    /// STUDY.
    Study,
    /// SERIES.
    Series,
    /// IMAGE.
    Image,
}

impl Level {
    /// The level named in (0008,0052).
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim() {
            "PATIENT" => Some(Level::Patient),
            "STUDY" => Some(Level::Study),
            "SERIES" => Some(Level::Series),
            "IMAGE" => Some(Level::Image),
            _ => None,
        }
    }

    /// The name written in (0008,0052).
    pub fn name(self) -> &'static str {
        match self {
            Level::Patient => "PATIENT",
            Level::Study => "STUDY",
            Level::Series => "SERIES",
            Level::Image => "IMAGE",
        }
    }

    /// The unique key of the level (PS3.4 C.6.1.1).
    pub fn unique_key(self) -> Tag {
        match self {
            Level::Patient => Tag(0x0010, 0x0020),
            Level::Study => Tag(0x0020, 0x000D),
            Level::Series => Tag(0x0020, 0x000E),
            Level::Image => Tag(0x0008, 0x0018),
        }
    }

    /// All levels, from the top.
    pub const ALL: [Level; 4] = [Level::Patient, Level::Study, Level::Series, Level::Image];
}

/// The information model of a Q/R SOP class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// Patient Root.
    PatientRoot,
    /// Study Root.
    StudyRoot,
    /// Modality Worklist.
    Worklist,
}

impl Model {
    /// The model of a FIND, MOVE or GET SOP class UID.
    pub fn of(uid: &str) -> Option<Model> {
        match uid {
            PATIENT_ROOT_FIND | PATIENT_ROOT_MOVE | PATIENT_ROOT_GET => Some(Model::PatientRoot),
            STUDY_ROOT_FIND | STUDY_ROOT_MOVE | STUDY_ROOT_GET => Some(Model::StudyRoot),
            WORKLIST_FIND => Some(Model::Worklist),
            _ => None,
        }
    }

    /// The levels the model has.
    pub fn allows(self, level: Level) -> bool {
        match self {
            Model::PatientRoot => true,
            Model::StudyRoot => level != Level::Patient,
            Model::Worklist => false,
        }
    }
}

fn padded(s: &str, pad: u8) -> Vec<u8> {
    let mut b = s.as_bytes().to_vec();
    if b.len() % 2 == 1 {
        b.push(pad);
    }
    b
}

/// Parses a data set that came over the network bare (no preamble, no file meta) in the
/// transfer syntax `ts_uid`: the core parser reads it behind a minimal file meta group.
pub fn parse_bare(bytes: &[u8], ts_uid: &str) -> NetResult<Dataset> {
    if TransferSyntax::from_uid(ts_uid).is_none() {
        return Err(net_error(format!("unknown transfer syntax {ts_uid}")));
    }
    let uid = padded(ts_uid, 0);
    let mut w = ElementWriter::new(Vec::with_capacity(bytes.len() + 40), Encoding::EXPLICIT_LE);
    w.raw(b"DICM")?;
    let len = u32::try_from(uid.len()).map_err(|_| net_error("transfer syntax UID too long"))?;
    w.header(Tag(0x0002, 0x0010), VR::UI, len)?;
    w.raw(&uid)?;
    w.raw(bytes)?;
    let prefix = 4 + 8 + uid.len();
    let file = parse_bytes(w.into_inner()).map_err(|mut e| {
        // Offsets are the identifier's, not the prefixed buffer's.
        e.offset = e.offset.map(|o| o.saturating_sub(prefix as u64));
        e
    })?;
    Ok(file.dataset)
}

/// Encodes a data set bare in the transfer syntax `ts_uid`.
pub fn encode_bare(ds: &Dataset, ts_uid: &str) -> NetResult<Vec<u8>> {
    let ts = TransferSyntax::from_uid(ts_uid)
        .ok_or_else(|| net_error(format!("unknown transfer syntax {ts_uid}")))?;
    write_bare(Vec::new(), ds, &WriteOptions::new(ts))
}

/// A sink that refuses more than [`MAX_IDENTIFIER`] bytes.
struct Bounded(Vec<u8>);

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_IDENTIFIER {
            return Err(std::io::Error::other(format!(
                "an identifier longer than {MAX_IDENTIFIER} bytes"
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Receives the identifier that follows a command on context `ctx` and parses it in the
/// context's transfer syntax. The outer error is the association's, the inner one the
/// identifier's (the association goes on).
pub fn recv_identifier(assoc: &mut Association, ctx: u8) -> NetResult<NetResult<Dataset>> {
    let mut sink = Bounded(Vec::new());
    assoc.recv_data(ctx, &mut sink)?;
    let ts = assoc
        .context(ctx)
        .map(|c| c.transfer_syntax.clone())
        .unwrap_or_default();
    Ok(parse_bare(&sink.0, &ts))
}

/// Sends a command and, when given, its identifier on context `ctx`.
pub fn send_message(
    assoc: &mut Association,
    ctx: u8,
    command: &crate::dimse::Command,
    identifier: Option<&Dataset>,
) -> NetResult<()> {
    let data = match identifier {
        Some(ds) => {
            let ts = assoc
                .context(ctx)
                .map(|c| c.transfer_syntax.clone())
                .unwrap_or_default();
            Some(encode_bare(ds, &ts)?)
        }
        None => None,
    };
    assoc.send_command(ctx, command)?;
    if let Some(bytes) = data {
        let mut w = assoc.pdata(ctx, false);
        std::io::Write::write_all(&mut w, &bytes)
            .map_err(|e| crate::error::io_error(&e, "cannot send an identifier"))?;
        w.finish()?;
    }
    Ok(())
}

/// A text value of a data set, padding removed.
pub fn text_of(ds: &Dataset, tag: Tag) -> Option<String> {
    let e = ds.get(tag)?;
    let s = rs_dicom::value::decode_text(ds, e);
    Some(s.trim_matches(['\0', ' ']).to_string())
}

/// Sets a text element (space padded; NUL for UI).
pub fn set_text(ds: &mut Dataset, tag: Tag, vr: VR, value: &str) {
    let pad = if vr == VR::UI { 0 } else { b' ' };
    ds.set_bytes(tag, vr, padded(value, pad));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_round_trip() {
        let mut ds = Dataset::new();
        set_text(&mut ds, Tag(0x0010, 0x0010), VR::PN, "DOE^JOHN");
        set_text(&mut ds, QUERY_RETRIEVE_LEVEL, VR::CS, "STUDY");
        for ts in ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"] {
            let b = encode_bare(&ds, ts).unwrap();
            let back = parse_bare(&b, ts).unwrap();
            assert_eq!(
                text_of(&back, Tag(0x0010, 0x0010)).as_deref(),
                Some("DOE^JOHN")
            );
            assert_eq!(
                Level::parse(&text_of(&back, QUERY_RETRIEVE_LEVEL).unwrap()),
                Some(Level::Study)
            );
        }
        assert!(parse_bare(&[0x10, 0, 0x10, 0, 0xFF, 0xFF, 0, 0], "1.2.840.10008.1.2").is_err());
        assert!(parse_bare(b"", "1.2.3").is_err());
    }
}
