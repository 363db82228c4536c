//! What a value must be to fit its VR (PS3.5 Table 6.2-1) and VM (PS3.6): the checks made
//! when a value is assigned. Each failure says which rule was broken.

use crate::core::VR;

/// Checks one text value (one of the backslash-separated values) of `vr`; `Err(rule)`.
pub fn check_text(vr: VR, v: &str) -> Result<(), String> {
    let chars = v.chars().count();
    let max = |n: usize| {
        if chars > n {
            Err(format!("at most {n} characters, not {chars}"))
        } else {
            Ok(())
        }
    };
    let no_control =
        |allowed: &[char]| match v.chars().find(|c| c.is_control() && !allowed.contains(c)) {
            Some(c) => Err(format!("no control character ({:?})", c)),
            None => Ok(()),
        };
    const ESC: char = '\u{1b}';
    const TEXT_CONTROLS: [char; 5] = ['\r', '\n', '\u{c}', '\t', ESC];
    match vr {
        VR::AE => {
            max(16)?;
            no_control(&[])?;
            if v.trim().is_empty() && !v.is_empty() {
                return Err("not only spaces".into());
            }
            Ok(())
        }
        VR::AS => {
            let b = v.as_bytes();
            if v.is_empty()
                || (b.len() == 4
                    && b[..3].iter().all(u8::is_ascii_digit)
                    && matches!(b[3], b'D' | b'W' | b'M' | b'Y'))
            {
                Ok(())
            } else {
                Err("nnnD, nnnW, nnnM or nnnY (e.g. 045Y)".into())
            }
        }
        VR::CS => {
            max(16)?;
            match v
                .chars()
                .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || " _".contains(*c)))
            {
                Some(c) => Err(format!(
                    "upper-case letters, digits, space and underscore only (not {c:?})"
                )),
                None => Ok(()),
            }
        }
        VR::DA => date(v).map_err(|e| format!("a date YYYYMMDD: {e}")),
        VR::DS => {
            if v.len() > 16 {
                return Err(format!("at most 16 characters, not {}", v.len()));
            }
            let t = v.trim_matches(' ');
            if t.is_empty() {
                return Ok(());
            }
            if t.chars().any(|c| !"0123456789+-Ee.".contains(c))
                || !t.parse::<f64>().is_ok_and(f64::is_finite)
            {
                return Err("a decimal number such as 1.5, -3 or 2E-4".into());
            }
            Ok(())
        }
        VR::DT => datetime(v).map_err(|e| format!("a date-time YYYYMMDDHHMMSS.FFFFFF&ZZXX: {e}")),
        VR::IS => {
            if v.len() > 12 {
                return Err(format!("at most 12 characters, not {}", v.len()));
            }
            let t = v.trim_matches(' ');
            if t.is_empty() {
                return Ok(());
            }
            match t.parse::<i64>() {
                Ok(n) if i32::try_from(n).is_ok() && !t.contains('_') => Ok(()),
                Ok(_) => Err("an integer from -2147483648 to 2147483647".into()),
                Err(_) => Err("an integer such as 12 or -3".into()),
            }
        }
        VR::LO => {
            max(64)?;
            no_control(&[ESC])
        }
        VR::SH => {
            max(16)?;
            no_control(&[ESC])
        }
        VR::LT => {
            max(10240)?;
            no_control(&TEXT_CONTROLS)
        }
        VR::ST => {
            max(1024)?;
            no_control(&TEXT_CONTROLS)
        }
        VR::UT | VR::UC => no_control(&TEXT_CONTROLS),
        VR::PN => person_name(v),
        VR::TM => time(v).map_err(|e| format!("a time HHMMSS.FFFFFF: {e}")),
        VR::UI => uid(v),
        VR::UR => {
            if v.starts_with(' ') || v.ends_with(' ') {
                return Err("no leading or trailing spaces".into());
            }
            no_control(&[])
        }
        _ => Ok(()),
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() >= n && s.as_bytes()[..n].iter().all(u8::is_ascii_digit))
        .then(|| s[..n].parse().ok())
        .flatten()
}

/// YYYYMMDD, a real calendar date.
pub fn date(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    if v.len() != 8 {
        return Err(format!("8 digits, not {v:?}"));
    }
    let (Some(y), Some(m), Some(d)) = (digits(v, 4), digits(&v[4..], 2), digits(&v[6..], 2)) else {
        return Err(format!("8 digits, not {v:?}"));
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("no month {m:02} in {v:?}")),
    };
    if d == 0 || d > days {
        return Err(format!("no day {d:02} in month {m:02} of {y} ({v:?})"));
    }
    Ok(())
}

/// HH[MM[SS[.F{1,6}]]].
pub fn time(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    let (whole, frac) = match v.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (v, None),
    };
    let bad = || format!("not {v:?}");
    if !matches!(whole.len(), 2 | 4 | 6) || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let hh = digits(whole, 2).ok_or_else(bad)?;
    let mm = if whole.len() >= 4 {
        digits(&whole[2..], 2).ok_or_else(bad)?
    } else {
        0
    };
    let ss = if whole.len() == 6 {
        digits(&whole[4..], 2).ok_or_else(bad)?
    } else {
        0
    };
    if hh > 23 || mm > 59 || ss > 60 {
        return Err(format!("hours 00-23, minutes 00-59, seconds 00-60 ({v:?})"));
    }
    if let Some(f) = frac
        && (whole.len() != 6
            || f.is_empty()
            || f.len() > 6
            || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    Ok(())
}

/// YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX].
pub fn datetime(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    if v.len() > 26 {
        return Err(format!("at most 26 characters, not {}", v.len()));
    }
    let (main, zone) = match v.rfind(['+', '-']) {
        Some(i) if i >= 4 => (&v[..i], Some(&v[i + 1..])),
        _ => (v, None),
    };
    if let Some(z) = zone {
        let hh = digits(z, 2);
        if z.len() != 4 || hh.is_none_or(|h| h > 14) || digits(&z[2..], 2).is_none_or(|m| m > 59) {
            return Err(format!("an offset &HHMM, not {z:?}"));
        }
    }
    let (whole, frac) = match main.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (main, None),
    };
    if !matches!(whole.len(), 4 | 6 | 8 | 10 | 12 | 14)
        || !whole.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("not {v:?}"));
    }
    if whole.len() >= 6 && !(1..=12).contains(&digits(&whole[4..], 2).unwrap_or(0)) {
        return Err(format!("no month {} in {v:?}", &whole[4..6]));
    }
    if whole.len() >= 8 {
        date(&whole[..8])?;
    }
    if whole.len() > 8 {
        let t = match frac {
            Some(f) => format!("{}.{f}", &whole[8..]),
            None => whole[8..].to_string(),
        };
        time(&t)?;
    } else if frac.is_some() {
        return Err(format!("a fraction only after the seconds ({v:?})"));
    }
    Ok(())
}

fn person_name(v: &str) -> Result<(), String> {
    if let Some(c) = v.chars().find(|c| c.is_control() && *c != '\u{1b}') {
        return Err(format!("no control character ({c:?})"));
    }
    let groups: Vec<&str> = v.split('=').collect();
    if groups.len() > 3 {
        return Err(format!(
            "at most 3 component groups (alphabetic=ideographic=phonetic), not {}",
            groups.len()
        ));
    }
    for g in groups {
        let n = g.chars().count();
        if n > 64 {
            return Err(format!(
                "at most 64 characters per component group, not {n}"
            ));
        }
        let parts = g.split('^').count();
        if parts > 5 {
            return Err(format!(
                "at most 5 components (family^given^middle^prefix^suffix), not {parts}"
            ));
        }
    }
    Ok(())
}

fn uid(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    if v.len() > 64 {
        return Err(format!("at most 64 characters, not {}", v.len()));
    }
    let ok = v.split('.').all(|c| {
        !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) && (c == "0" || !c.starts_with('0'))
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "digits in dot-separated components without leading zeros (e.g. 1.2.840.10008), \
             not {v:?}"
        ))
    }
}

/// Checks a value count against a PS3.6 VM (`1`, `1-3`, `1-n`, `2-2n`, ...); an empty value
/// (0 values) is always allowed.
pub fn check_vm(vm: &str, count: usize) -> Result<(), String> {
    if count == 0 || vm.is_empty() {
        return Ok(());
    }
    let ok = match vm.split_once('-') {
        None => vm.parse::<usize>().is_ok_and(|n| count == n),
        Some((lo, hi)) => {
            let lo: usize = lo.parse().unwrap_or(1);
            if hi == "n" {
                count >= lo
            } else if let Some(k) = hi.strip_suffix('n') {
                let k: usize = k.parse().unwrap_or(1).max(1);
                count >= lo && count.is_multiple_of(k)
            } else {
                hi.parse::<usize>()
                    .is_ok_and(|hi| (lo..=hi).contains(&count))
            }
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("VM {vm}, not {count} values"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert!(check_text(VR::LO, &"x".repeat(64)).is_ok());
        assert!(
            check_text(VR::LO, &"x".repeat(65))
                .unwrap_err()
                .contains("64")
        );
        assert!(check_text(VR::DS, "1.5e3").is_ok());
        assert!(check_text(VR::DS, "1.5a").is_err());
        assert!(check_text(VR::IS, "2147483648").is_err());
        assert!(check_text(VR::UI, "1.2.840.10008.1.2").is_ok());
        assert!(check_text(VR::UI, "1.02.3").is_err());
        assert!(check_text(VR::UI, "1..2").is_err());
        assert!(check_text(VR::DA, "20240229").is_ok());
        assert!(check_text(VR::DA, "20230229").is_err());
        assert!(check_text(VR::DA, "2024-01-01").is_err());
        assert!(check_text(VR::TM, "235960.123456").is_ok());
        assert!(check_text(VR::TM, "2460").is_err());
        assert!(check_text(VR::DT, "20240101123000.5+0100").is_ok());
        assert!(check_text(VR::DT, "2024130112").is_err());
        assert!(check_text(VR::CS, "ORIGINAL").is_ok());
        assert!(check_text(VR::CS, "lower").is_err());
        assert!(check_text(VR::PN, "A^B^C^D^E^F").is_err());
        assert!(check_text(VR::AS, "045Y").is_ok());
        assert!(check_text(VR::AS, "45Y").is_err());
    }

    #[test]
    fn value_multiplicity() {
        assert!(check_vm("1", 1).is_ok());
        assert!(check_vm("1", 2).is_err());
        assert!(check_vm("1-n", 7).is_ok());
        assert!(check_vm("2-2n", 4).is_ok());
        assert!(check_vm("2-2n", 3).is_err());
        assert!(check_vm("1-3", 3).is_ok());
        assert!(check_vm("1-3", 4).is_err());
        assert!(check_vm("6", 0).is_ok());
    }
}
