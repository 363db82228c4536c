//! DIMSE command sets (PS3.7 9.3, E.1): group 0000 elements in Implicit VR Little Endian,
//! read with the core's [`ElementReader`] and written with its [`ElementWriter`].

use rs_dicom::core::{Encoding, Tag, VR};
use rs_dicom::parser::{ElementReader, Token};
use rs_dicom::writer::ElementWriter;

use crate::error::{NetResult, net_error};

/// Command Field values (PS3.7 E.1-1).
pub mod field {
    /// C-STORE-RQ.
    pub const C_STORE_RQ: u16 = 0x0001;
    /// C-STORE-RSP.
    pub const C_STORE_RSP: u16 = 0x8001;
    /// C-ECHO-RQ.
    pub const C_ECHO_RQ: u16 = 0x0030;
    /// C-ECHO-RSP.
    pub const C_ECHO_RSP: u16 = 0x8030;
}

/// Command elements used here.
pub mod tags {
    use rs_dicom::core::Tag;
    /// (0000,0000) Command Group Length.
    pub const GROUP_LENGTH: Tag = Tag(0x0000, 0x0000);
    /// (0000,0002) Affected SOP Class UID.
    pub const AFFECTED_SOP_CLASS: Tag = Tag(0x0000, 0x0002);
    /// (0000,0100) Command Field.
    pub const COMMAND_FIELD: Tag = Tag(0x0000, 0x0100);
    /// (0000,0110) Message ID.
    pub const MESSAGE_ID: Tag = Tag(0x0000, 0x0110);
    /// (0000,0120) Message ID Being Responded To.
    pub const RESPONDED_TO: Tag = Tag(0x0000, 0x0120);
    /// (0000,0700) Priority.
    pub const PRIORITY: Tag = Tag(0x0000, 0x0700);
    /// (0000,0800) Command Data Set Type.
    pub const DATA_SET_TYPE: Tag = Tag(0x0000, 0x0800);
    /// (0000,0900) Status.
    pub const STATUS: Tag = Tag(0x0000, 0x0900);
    /// (0000,0902) Error Comment.
    pub const ERROR_COMMENT: Tag = Tag(0x0000, 0x0902);
    /// (0000,1000) Affected SOP Instance UID.
    pub const AFFECTED_SOP_INSTANCE: Tag = Tag(0x0000, 0x1000);
}

/// Command Data Set Type meaning "no data set follows".
pub const NO_DATA_SET: u16 = 0x0101;
/// The largest command set we accept: commands are a few hundred bytes.
pub const MAX_COMMAND_LENGTH: usize = 64 * 1024;

/// A command set: its elements in tag order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    elements: Vec<(Tag, VR, Vec<u8>)>,
}

fn even(mut b: Vec<u8>, pad: u8) -> Vec<u8> {
    if b.len() % 2 == 1 {
        b.push(pad);
    }
    b
}

impl Command {
    /// An empty command.
    pub fn new() -> Command {
        Command::default()
    }

    fn set(&mut self, tag: Tag, vr: VR, bytes: Vec<u8>) {
        match self.elements.binary_search_by_key(&tag, |e| e.0) {
            Ok(i) => self.elements[i] = (tag, vr, bytes),
            Err(i) => self.elements.insert(i, (tag, vr, bytes)),
        }
    }

    /// Sets a US element.
    pub fn set_us(&mut self, tag: Tag, v: u16) -> &mut Self {
        self.set(tag, VR::US, v.to_le_bytes().to_vec());
        self
    }

    /// Sets a UI element (NUL padded).
    pub fn set_uid(&mut self, tag: Tag, uid: &str) -> &mut Self {
        self.set(tag, VR::UI, even(uid.as_bytes().to_vec(), 0));
        self
    }

    /// Sets a text element (space padded).
    pub fn set_text(&mut self, tag: Tag, vr: VR, s: &str) -> &mut Self {
        self.set(tag, vr, even(s.as_bytes().to_vec(), b' '));
        self
    }

    /// The raw value of an element.
    pub fn raw(&self, tag: Tag) -> Option<&[u8]> {
        self.elements
            .binary_search_by_key(&tag, |e| e.0)
            .ok()
            .map(|i| &self.elements[i].2[..])
    }

    /// A US value.
    pub fn us(&self, tag: Tag) -> Option<u16> {
        match self.raw(tag)? {
            [a, b, ..] => Some(u16::from_le_bytes([*a, *b])),
            _ => None,
        }
    }

    /// A UI or text value, padding removed.
    pub fn text(&self, tag: Tag) -> Option<String> {
        self.raw(tag).map(|b| {
            String::from_utf8_lossy(b)
                .trim_end_matches(['\0', ' '])
                .to_string()
        })
    }

    /// The Command Field.
    pub fn field(&self) -> Option<u16> {
        self.us(tags::COMMAND_FIELD)
    }

    /// A data set follows the command.
    pub fn has_data_set(&self) -> bool {
        self.us(tags::DATA_SET_TYPE)
            .is_some_and(|t| t != NO_DATA_SET)
    }

    /// The command set as bytes, with its group length first.
    pub fn to_bytes(&self) -> NetResult<Vec<u8>> {
        let mut body = ElementWriter::new(Vec::with_capacity(256), Encoding::IMPLICIT_LE);
        for (tag, vr, bytes) in self.elements.iter().filter(|e| e.0 != tags::GROUP_LENGTH) {
            let len = u32::try_from(bytes.len())
                .map_err(|_| net_error(format!("command element {tag} is too long")))?;
            body.header(*tag, *vr, len)?;
            body.raw(bytes)?;
        }
        let body = body.into_inner();
        let mut out =
            ElementWriter::new(Vec::with_capacity(body.len() + 12), Encoding::IMPLICIT_LE);
        out.header(tags::GROUP_LENGTH, VR::UL, 4)?;
        out.number(body.len() as u32)?;
        out.raw(&body)?;
        Ok(out.into_inner())
    }

    /// Reads a command set; anything but group 0000 elements is an error.
    pub fn parse(bytes: &[u8]) -> NetResult<Command> {
        if bytes.len() > MAX_COMMAND_LENGTH {
            return Err(net_error(format!(
                "a command set of {} bytes (at most {MAX_COMMAND_LENGTH} are accepted)",
                bytes.len()
            )));
        }
        let mut c = Command::new();
        for token in ElementReader::new(bytes, 0, None, Encoding::IMPLICIT_LE) {
            match token.map_err(|e| net_error(format!("malformed command set: {e}")))? {
                Token::Element {
                    tag,
                    vr,
                    value_offset,
                    length,
                    ..
                } if tag.0 == 0 => {
                    if tag == tags::GROUP_LENGTH {
                        // Derived: written anew from what follows.
                        continue;
                    }
                    let value = value_offset
                        .checked_add(length as usize)
                        .and_then(|end| bytes.get(value_offset..end))
                        .ok_or_else(|| net_error(format!("command element {tag} is truncated")))?;
                    c.set(tag, vr, value.to_vec());
                }
                other => {
                    return Err(net_error(format!(
                        "a command set holds group 0000 elements only, not {other:?}"
                    )));
                }
            }
        }
        if c.field().is_none() {
            return Err(net_error(
                "the command set has no Command Field (0000,0100)",
            ));
        }
        Ok(c)
    }
}

/// A C-ECHO-RQ.
pub fn echo_rq(message_id: u16) -> Command {
    let mut c = Command::new();
    c.set_uid(tags::AFFECTED_SOP_CLASS, crate::VERIFICATION)
        .set_us(tags::COMMAND_FIELD, field::C_ECHO_RQ)
        .set_us(tags::MESSAGE_ID, message_id)
        .set_us(tags::DATA_SET_TYPE, NO_DATA_SET);
    c
}

/// A C-STORE-RQ for an instance.
pub fn store_rq(message_id: u16, sop_class: &str, sop_instance: &str) -> Command {
    let mut c = Command::new();
    c.set_uid(tags::AFFECTED_SOP_CLASS, sop_class)
        .set_us(tags::COMMAND_FIELD, field::C_STORE_RQ)
        .set_us(tags::MESSAGE_ID, message_id)
        .set_us(tags::PRIORITY, 0)
        .set_us(tags::DATA_SET_TYPE, 0x0000)
        .set_uid(tags::AFFECTED_SOP_INSTANCE, sop_instance);
    c
}

/// The response to `rq` with `status` (C-ECHO-RSP or C-STORE-RSP).
pub fn response(rq: &Command, status: u16, comment: Option<&str>) -> Command {
    let mut c = Command::new();
    let field = rq.field().unwrap_or(0) | 0x8000;
    if let Some(uid) = rq.text(tags::AFFECTED_SOP_CLASS) {
        c.set_uid(tags::AFFECTED_SOP_CLASS, &uid);
    }
    c.set_us(tags::COMMAND_FIELD, field)
        .set_us(tags::RESPONDED_TO, rq.us(tags::MESSAGE_ID).unwrap_or(0))
        .set_us(tags::DATA_SET_TYPE, NO_DATA_SET)
        .set_us(tags::STATUS, status);
    if let Some(uid) = rq.text(tags::AFFECTED_SOP_INSTANCE) {
        c.set_uid(tags::AFFECTED_SOP_INSTANCE, &uid);
    }
    if let Some(text) = comment {
        let text: String = text.chars().take(64).collect();
        c.set_text(tags::ERROR_COMMENT, VR::LO, &text);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_round_trip_and_group_length() {
        let c = store_rq(7, "1.2.840.10008.5.1.4.1.1.2", "1.2.3.4.5");
        let b = c.to_bytes().unwrap();
        let gl = u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize;
        assert_eq!(gl, b.len() - 12);
        let back = Command::parse(&b).unwrap();
        assert_eq!(back.field(), Some(field::C_STORE_RQ));
        assert_eq!(back.us(tags::MESSAGE_ID), Some(7));
        assert_eq!(
            back.text(tags::AFFECTED_SOP_INSTANCE).as_deref(),
            Some("1.2.3.4.5")
        );
        assert!(back.has_data_set());
        let rsp = response(&back, 0xA700, Some("out of resources"));
        let rsp = Command::parse(&rsp.to_bytes().unwrap()).unwrap();
        assert_eq!(rsp.field(), Some(field::C_STORE_RSP));
        assert_eq!(rsp.us(tags::STATUS), Some(0xA700));
        assert_eq!(rsp.us(tags::RESPONDED_TO), Some(7));
        assert!(!rsp.has_data_set());
    }

    #[test]
    fn malformed_commands_are_errors() {
        let b = echo_rq(1).to_bytes().unwrap();
        for cut in 0..b.len() {
            let _ = Command::parse(&b[..cut]);
        }
        assert!(Command::parse(&[0x08, 0, 0x16, 0, 2, 0, 0, 0, b'1', 0]).is_err());
    }
}
