//! Character references both ways: what the writer escapes, the reader resolves.

use std::fmt::Write as _;

/// Appends `text` to `out` with the characters XML cannot hold literally escaped: markup,
/// quotes, and control characters as character references (a CR or LF in a value would be
/// normalised away by any XML reader otherwise). XML 1.0 allows no other C0 control, not
/// even as a reference; they are written as references all the same (nothing of a value
/// is lost) and rs_dicom's reader takes them back.
pub(super) fn escape(text: &str, out: &mut String) {
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            0..=0x1F | 0x7F => "",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        if rep.is_empty() {
            let _ = write!(out, "&#{b};");
        } else {
            out.push_str(rep);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// The character of the reference `&name;`: the predefined entities and character
/// references. XML 1.0 has no NUL, not even as a reference; rs_dicom writes one that is in a
/// value as `&#0;` (as every other control character), so it reads it back.
pub(super) fn reference(name: &str) -> std::result::Result<char, String> {
    let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        u32::from_str_radix(hex, 16).ok()
    } else if let Some(dec) = name.strip_prefix('#') {
        dec.parse().ok()
    } else {
        return match name {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "quot" => Ok('"'),
            "apos" => Ok('\''),
            other => Err(format!("unknown entity &{other};")),
        };
    };
    code.and_then(char::from_u32)
        .ok_or_else(|| format!("&{name}; is not a character reference"))
}

/// An attribute value with its references resolved.
pub(super) fn unescape(raw: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after
            .find(';')
            .ok_or_else(|| format!("'&' without ';' in {raw:?}"))?;
        out.push(reference(&after[..end])?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
