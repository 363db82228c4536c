//! DICOM networking for rs_dicom (no Python): the PS3.8 upper layer ([`pdu`], [`assoc`]),
//! DIMSE command sets ([`dimse`]), and the Verification and Storage services as SCU
//! ([`scu`]) and SCP ([`scp`]), and Query/Retrieve ([`qr`]), over blocking std TCP.
//!
//! Command sets and data sets go through the core's reader and writer; a received data set
//! streams to disk fragment by fragment.

pub mod assoc;
pub mod dimse;
pub mod error;
mod incoming;
mod parts;
pub mod pdu;
pub mod pipeline;
pub mod qr;
pub mod scp;
pub mod scu;
pub mod send;
mod sop;
#[cfg(target_os = "linux")]
mod spliced;
mod spool;
pub mod tls;
mod zerocopy;

pub use error::{NetResult, net_error};
pub use sop::{is_storage_sop_class, storage_sop_classes};

/// The Verification SOP Class UID.
pub const VERIFICATION: &str = "1.2.840.10008.1.1";
