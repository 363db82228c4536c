//! Replacements derived from a secret key: UIDs, per-patient date offsets and pseudonyms.
//!
//! Each is HMAC-SHA-256 of the original value under the key (with a label per use), so the
//! same input gives the same output in every file, run and machine that has the key, and
//! nobody without the key can go back or test a guess.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The longest date offset, in days (about ten years, always into the past).
pub const MAX_SHIFT_DAYS: i64 = 3650;

/// The secret key of a de-identification.
#[derive(Clone)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.write_str("Key(..)")
    }
}

impl Key {
    /// A key of these bytes (at least 16 are advised: the caller checks).
    pub fn new(bytes: &[u8]) -> Key {
        Key(bytes.to_vec())
    }

    fn mac(&self, label: &[u8], value: &[u8]) -> [u8; 32] {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail; the fallback
        // keeps the code free of panics all the same.
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.0) else {
            return [0; 32];
        };
        mac.update(label);
        mac.update(&[0]);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// The replacement of `uid`: `2.25.` and a 128-bit number (PS3.5 B.2), at most 44
    /// characters.
    pub fn uid(&self, uid: &str) -> String {
        let h = self.mac(b"uid", uid.as_bytes());
        let mut n = [0u8; 16];
        n.copy_from_slice(&h[..16]);
        // Never 0: a UID component has no leading zero, and 2.25.0 reads as a placeholder.
        format!("2.25.{}", u128::from_be_bytes(n).max(1))
    }

    /// The number of days to move a patient's dates by: between 1 and [`MAX_SHIFT_DAYS`]
    /// into the past, the same for every file of the patient (`patient` is the original
    /// Patient ID, or the name when there is no ID).
    pub fn date_shift(&self, patient: &[u8]) -> i64 {
        let h = self.mac(b"date-shift", patient);
        let mut n = [0u8; 8];
        n.copy_from_slice(&h[..8]);
        let days = u64::from_be_bytes(n) % (MAX_SHIFT_DAYS as u64);
        -(days as i64) - 1
    }

    /// A pseudonym for a patient identifier: `ANON` and 12 hexadecimal digits (16 characters,
    /// fits LO, SH and PN).
    pub fn pseudonym(&self, original: &[u8]) -> String {
        let h = self.mac(b"patient", original);
        let mut s = String::from("ANON");
        for b in &h[..6] {
            s.push_str(&format!("{b:02X}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_depend_on_the_key_and_the_value_only() {
        let a = Key::new(b"0123456789abcdef");
        let b = Key::new(b"0123456789abcdeg");
        assert_eq!(a.uid("1.2.3"), Key::new(b"0123456789abcdef").uid("1.2.3"));
        assert_ne!(a.uid("1.2.3"), a.uid("1.2.4"));
        assert_ne!(a.uid("1.2.3"), b.uid("1.2.3"));
        assert!(a.uid("1.2.3").starts_with("2.25.") && a.uid("1.2.3").len() <= 44);
        let d = a.date_shift(b"PID1");
        assert!((-MAX_SHIFT_DAYS..=-1).contains(&d));
        assert_eq!(d, a.date_shift(b"PID1"));
        assert_eq!(a.pseudonym(b"PID1").len(), 16);
        // HMAC-SHA-256 test vector (RFC 4231, case 2) through the same construction.
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let out: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(out[..4], [0x5b, 0xdc, 0xc1, 0x46]);
    }
}
