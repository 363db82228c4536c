//! C-FIND, C-MOVE, C-GET and C-CANCEL command sets (PS3.7 9.3.2-9.3.4, E.1) and the Q/R
//! statuses (PS3.4 C.4).

use rs_dicom::core::{Tag, VR};

use crate::dimse::{self, Command, tags};

/// Command Field values of the Q/R services.
pub mod field {
    /// C-GET-RQ.
    pub const C_GET_RQ: u16 = 0x0010;
    /// C-GET-RSP.
    pub const C_GET_RSP: u16 = 0x8010;
    /// C-FIND-RQ.
    pub const C_FIND_RQ: u16 = 0x0020;
    /// C-FIND-RSP.
    pub const C_FIND_RSP: u16 = 0x8020;
    /// C-MOVE-RQ.
    pub const C_MOVE_RQ: u16 = 0x0021;
    /// C-MOVE-RSP.
    pub const C_MOVE_RSP: u16 = 0x8021;
    /// C-CANCEL-RQ.
    pub const C_CANCEL_RQ: u16 = 0x0FFF;
}

/// (0000,0600) Move Destination.
pub const MOVE_DESTINATION: Tag = Tag(0x0000, 0x0600);
/// (0000,1020) Number of Remaining Sub-operations.
pub const REMAINING: Tag = Tag(0x0000, 0x1020);
/// (0000,1021) Number of Completed Sub-operations.
pub const COMPLETED: Tag = Tag(0x0000, 0x1021);
/// (0000,1022) Number of Failed Sub-operations.
pub const FAILED: Tag = Tag(0x0000, 0x1022);
/// (0000,1023) Number of Warning Sub-operations.
pub const WARNING: Tag = Tag(0x0000, 0x1023);
/// (0000,1030) Move Originator Application Entity Title.
pub const MOVE_ORIGINATOR_AE: Tag = Tag(0x0000, 0x1030);
/// (0000,1031) Move Originator Message ID.
pub const MOVE_ORIGINATOR_ID: Tag = Tag(0x0000, 0x1031);

/// Q/R statuses (PS3.4 C.4.1.1.4, C.4.2.1.5, C.4.3.1.4).
pub mod status {
    /// Success.
    pub const SUCCESS: u16 = 0x0000;
    /// Pending: a match, or sub-operations continuing.
    pub const PENDING: u16 = 0xFF00;
    /// Pending: a match with optional keys not supported.
    pub const PENDING_WARNING: u16 = 0xFF01;
    /// Cancelled.
    pub const CANCEL: u16 = 0xFE00;
    /// Warning: sub-operations complete, one or more failures or warnings.
    pub const SUB_OPS_WARNING: u16 = 0xB000;
    /// Refused: out of resources.
    pub const OUT_OF_RESOURCES: u16 = 0xA700;
    /// Refused: out of resources, unable to calculate the number of matches.
    pub const CANNOT_COUNT: u16 = 0xA701;
    /// Refused: out of resources, unable to perform sub-operations.
    pub const CANNOT_SUB_OP: u16 = 0xA702;
    /// Refused: move destination unknown.
    pub const MOVE_DESTINATION_UNKNOWN: u16 = 0xA801;
    /// Error: identifier does not match SOP class.
    pub const IDENTIFIER_MISMATCH: u16 = 0xA900;
    /// Failed: unable to process.
    pub const UNABLE_TO_PROCESS: u16 = 0xC000;

    /// A pending status (more responses follow).
    pub fn is_pending(s: u16) -> bool {
        s == PENDING || s == PENDING_WARNING
    }
}

fn request(field: u16, message_id: u16, sop_class: &str) -> Command {
    let mut c = Command::new();
    c.set_uid(tags::AFFECTED_SOP_CLASS, sop_class)
        .set_us(tags::COMMAND_FIELD, field)
        .set_us(tags::MESSAGE_ID, message_id)
        .set_us(tags::PRIORITY, 0)
        .set_us(tags::DATA_SET_TYPE, 0x0000);
    c
}

/// A C-FIND-RQ (an identifier follows).
pub fn find_rq(message_id: u16, sop_class: &str) -> Command {
    request(field::C_FIND_RQ, message_id, sop_class)
}

/// A C-GET-RQ (an identifier follows).
pub fn get_rq(message_id: u16, sop_class: &str) -> Command {
    request(field::C_GET_RQ, message_id, sop_class)
}

/// A C-MOVE-RQ to `destination` (an identifier follows).
pub fn move_rq(message_id: u16, sop_class: &str, destination: &str) -> Command {
    let mut c = request(field::C_MOVE_RQ, message_id, sop_class);
    c.set_text(MOVE_DESTINATION, VR::AE, destination);
    c
}

/// A C-CANCEL-RQ for the operation `message_id`.
pub fn cancel_rq(message_id: u16) -> Command {
    let mut c = Command::new();
    c.set_us(tags::COMMAND_FIELD, field::C_CANCEL_RQ)
        .set_us(tags::RESPONDED_TO, message_id)
        .set_us(tags::DATA_SET_TYPE, dimse::NO_DATA_SET);
    c
}

/// Sub-operation counts of a C-MOVE or C-GET response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Remaining.
    pub remaining: u16,
    /// Completed.
    pub completed: u16,
    /// Failed.
    pub failed: u16,
    /// Warning.
    pub warning: u16,
}

impl Counts {
    /// The counts of a response, when it has them.
    pub fn of(c: &Command) -> Option<Counts> {
        let any = [REMAINING, COMPLETED, FAILED, WARNING]
            .iter()
            .any(|t| c.raw(*t).is_some());
        any.then(|| Counts {
            remaining: c.us(REMAINING).unwrap_or(0),
            completed: c.us(COMPLETED).unwrap_or(0),
            failed: c.us(FAILED).unwrap_or(0),
            warning: c.us(WARNING).unwrap_or(0),
        })
    }
}

/// The response to a Q/R request: `identifier` says whether a data set follows; `counts`
/// are written for C-MOVE and C-GET (remaining only while pending, as PS3.4 C.4.2.1.6 asks).
pub fn qr_response(rq: &Command, status: u16, identifier: bool, counts: Option<Counts>) -> Command {
    let mut c = dimse::response(rq, status, None);
    if identifier {
        c.set_us(tags::DATA_SET_TYPE, 0x0000);
    }
    if let Some(n) = counts {
        if status::is_pending(status) {
            c.set_us(REMAINING, n.remaining);
        }
        c.set_us(COMPLETED, n.completed)
            .set_us(FAILED, n.failed)
            .set_us(WARNING, n.warning);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_carry_counts() {
        let rq = move_rq(9, crate::qr::STUDY_ROOT_MOVE, "DEST");
        let rq = Command::parse(&rq.to_bytes().unwrap()).unwrap();
        assert_eq!(rq.text(MOVE_DESTINATION).as_deref(), Some("DEST"));
        let n = Counts {
            remaining: 3,
            completed: 2,
            failed: 1,
            warning: 0,
        };
        let p = qr_response(&rq, status::PENDING, false, Some(n));
        let p = Command::parse(&p.to_bytes().unwrap()).unwrap();
        assert_eq!(p.field(), Some(field::C_MOVE_RSP));
        assert_eq!(Counts::of(&p), Some(n));
        let done = qr_response(&rq, status::SUB_OPS_WARNING, true, Some(n));
        assert_eq!(done.us(REMAINING), None);
        assert!(done.has_data_set());
        assert_eq!(cancel_rq(9).us(tags::RESPONDED_TO), Some(9));
    }
}
