//! DA, TM and DT text to Arrow's date32 (days), time64 (µs) and timestamp (µs) numbers,
//! accepting exactly what pydicom 3's `valuerep.DA`, `TM` and `DT` accept (a value they
//! refuse is a null, not a guess).

use rs_dicom::value::calendar;

/// Microseconds in a second.
const MICROS: i64 = 1_000_000;

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date that Python's `datetime.date` accepts
/// (years 1–9999), or None.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
    {
        return None;
    }
    Some(calendar::days_from_civil(year, month, day))
}

/// The number of `n` ASCII digits at `s[at..]`, or None.
fn digits(s: &[u8], at: usize, n: usize) -> Option<i64> {
    let part = s.get(at..at + n)?;
    part.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// A fraction of 1–6 digits as microseconds (`"5"` → 500000).
fn fraction(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 6 {
        return None;
    }
    let v = digits(s, 0, s.len())?;
    Some(v * 10i64.pow(6 - s.len() as u32))
}

/// pydicom changes a leap second (60) to 59, with a warning; above 60 is an error.
fn second(s: i64) -> Option<i64> {
    match s {
        0..=59 => Some(s),
        60 => Some(59),
        _ => None,
    }
}

/// A DA value (`YYYYMMDD`, or ACR-NEMA's `YYYY.MM.DD`) as days since 1970-01-01.
pub fn date(text: &str) -> Option<i32> {
    let s = text.as_bytes();
    let (y, m, d) = match s.len() {
        8 => (digits(s, 0, 4)?, digits(s, 4, 2)?, digits(s, 6, 2)?),
        10 if s[4] == b'.' && s[7] == b'.' => {
            (digits(s, 0, 4)?, digits(s, 5, 2)?, digits(s, 8, 2)?)
        }
        _ => return None,
    };
    i32::try_from(days_from_civil(y, m, d)?).ok()
}

/// A TM value (`HH`, `HHMM`, `HHMMSS`, `HHMMSS.F` to `.FFFFFF`; a trailing `.` allowed) as
/// microseconds since midnight.
pub fn time(text: &str) -> Option<i64> {
    let s = text.as_bytes();
    let hour = digits(s, 0, 2).filter(|h| *h < 24)?;
    let mut total = hour * 3600 * MICROS;
    if s.len() == 2 {
        return Some(total);
    }
    let minute = digits(s, 2, 2).filter(|m| *m < 60)?;
    total += minute * 60 * MICROS;
    if s.len() == 4 {
        return Some(total);
    }
    let sec = second(digits(s, 4, 2)?)?;
    total += sec * MICROS;
    match s.get(6..) {
        Some([]) => Some(total),
        Some([b'.']) => Some(total),
        Some([b'.', rest @ ..]) => Some(total + fraction(rest)?),
        _ => None,
    }
}

/// A DT value (`YYYY[MM[DD[HH[MM[SS[.F…]]]]]][&ZZXX]`) as microseconds since the epoch of its
/// wall-clock time: the UTC offset is checked as pydicom does, then dropped (one column holds
/// values with different offsets; Arrow's timestamp has one time zone per column).
pub fn datetime(text: &str) -> Option<i64> {
    let s = text.as_bytes();
    if s.len() > 26 {
        return None;
    }
    // pydicom's pattern `((\d{4,14})(\.(\d{1,6}))?)([+-]\d{4})?`, matched at the start only.
    let n = s.iter().take(14).take_while(|c| c.is_ascii_digit()).count();
    if n < 4 {
        return None;
    }
    let d = &s[..n];
    let mut rest = &s[n..];
    let mut micro = 0;
    if let [b'.', tail @ ..] = rest {
        let f = tail
            .iter()
            .take(6)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if f > 0 {
            // The fraction counts only when the seconds are there (pydicom).
            if n >= 14 {
                micro = fraction(&tail[..f])?;
            }
            rest = &tail[f..];
        }
    }
    if let [sign @ (b'+' | b'-'), tz @ ..] = rest
        && let (Some(hh), Some(mm)) = (digits(tz, 0, 2), digits(tz, 2, 2))
    {
        let _ = sign;
        // Python's timezone takes offsets strictly within a day.
        if hh * 60 + mm >= 24 * 60 {
            return None;
        }
    }
    let part = |at: usize, default: i64| -> Option<i64> {
        if n < at + 2 {
            Some(default)
        } else {
            digits(d, at, 2)
        }
    };
    let year = digits(d, 0, 4)?;
    let days = days_from_civil(year, part(4, 1)?, part(6, 1)?)?;
    let hour = part(8, 0)?;
    let minute = part(10, 0)?;
    let sec = second(part(12, 0)?)?;
    if hour > 23 || minute > 59 {
        return None;
    }
    Some(((days * 24 + hour) * 60 + minute) * 60 * MICROS + sec * MICROS + micro)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_since_the_epoch() {
        assert_eq!(date("19700101"), Some(0));
        assert_eq!(date("19691231"), Some(-1));
        assert_eq!(date("20000229"), Some(11016));
        assert_eq!(date("2000.02.29"), Some(11016));
        assert_eq!(date("19000229"), None);
        assert_eq!(date("00010101"), Some(-719_162));
        assert_eq!(date("00000101"), None);
        assert_eq!(date("2000022"), None);
        assert_eq!(date("2000-02-29"), None);
    }

    #[test]
    fn times_take_every_precision() {
        assert_eq!(time("00"), Some(0));
        assert_eq!(time("0102"), Some(3_720_000_000));
        assert_eq!(time("010203"), Some(3_723_000_000));
        assert_eq!(time("010203."), Some(3_723_000_000));
        assert_eq!(time("010203.5"), Some(3_723_500_000));
        assert_eq!(time("010203.000001"), Some(3_723_000_001));
        assert_eq!(time("235960"), Some(86_399_000_000));
        assert_eq!(time("010203.0000001"), None);
        assert_eq!(time("24"), None);
        assert_eq!(time("016"), None);
        assert_eq!(time("01:02:03"), None);
    }

    #[test]
    fn datetimes_drop_the_offset() {
        assert_eq!(datetime("1970"), Some(0));
        assert_eq!(datetime("19700102"), Some(86_400_000_000));
        assert_eq!(datetime("19700101000001.5+0100"), Some(1_500_000));
        assert_eq!(datetime("19700101000001.5-2400"), None);
        // The fraction counts only with seconds; trailing text is ignored, as in pydicom.
        assert_eq!(datetime("197001010000.5"), Some(0));
        assert_eq!(datetime("1970x"), Some(0));
        assert_eq!(datetime("197"), None);
        assert_eq!(datetime("19701301"), None);
    }
}
