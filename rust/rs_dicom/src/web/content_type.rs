//! `Content-Type` values (RFC 9110 media types with parameters, quoted strings included).

use crate::error::{DicomError, ErrorKind, Result};

/// A media type and its parameters (names lower-cased, values unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType {
    /// `type/subtype`, lower-cased.
    pub media_type: String,
    /// Parameters in order of appearance.
    pub params: Vec<(String, String)>,
}

impl ContentType {
    /// The value of a parameter (name compared case-insensitively).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The multipart boundary, checked against RFC 2046 (1 to 70 characters).
    pub fn boundary(&self) -> Result<&str> {
        let b = self
            .param("boundary")
            .ok_or_else(|| bad(0, "multipart content type without a boundary parameter"))?;
        if b.is_empty() || b.len() > 70 {
            return Err(bad(
                0,
                format!("multipart boundary of {} characters (1 to 70)", b.len()),
            ));
        }
        Ok(b)
    }
}

fn bad(offset: usize, msg: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::Malformed, Some(offset as u64), "", msg)
}

fn is_token(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Parses `type/subtype; name=value; name="quoted \" value"`.
pub fn parse_content_type(text: &str) -> Result<ContentType> {
    let s = text.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < s.len() && (s[*i] == b' ' || s[*i] == b'\t') {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    let start = i;
    while i < s.len() && (is_token(s[i]) || s[i] == b'/') {
        i += 1;
    }
    let media_type = text[start..i].to_ascii_lowercase();
    if media_type.split('/').filter(|p| !p.is_empty()).count() != 2 {
        return Err(bad(
            start,
            format!("content type {text:?} is not type/subtype"),
        ));
    }
    let mut params = Vec::new();
    loop {
        skip_ws(&mut i);
        if i >= s.len() {
            break;
        }
        if s[i] != b';' {
            return Err(bad(i, format!("content type {text:?}: ';' expected")));
        }
        i += 1;
        skip_ws(&mut i);
        if i >= s.len() {
            break; // a trailing ';' is common and harmless
        }
        let name_start = i;
        while i < s.len() && is_token(s[i]) {
            i += 1;
        }
        if i == name_start || i >= s.len() || s[i] != b'=' {
            return Err(bad(
                i,
                format!("content type {text:?}: parameter name=value expected"),
            ));
        }
        let name = text[name_start..i].to_ascii_lowercase();
        i += 1;
        let mut value = Vec::new();
        if i < s.len() && s[i] == b'"' {
            i += 1;
            loop {
                match s.get(i) {
                    None => return Err(bad(i, format!("content type {text:?}: unclosed quote"))),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') if i + 1 < s.len() => {
                        value.push(s[i + 1]);
                        i += 2;
                    }
                    Some(&c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            let v = i;
            while i < s.len() && s[i] != b';' && s[i] != b' ' && s[i] != b'\t' {
                i += 1;
            }
            value.extend_from_slice(&s[v..i]);
        }
        // Built from a &str, split at ASCII bytes: still UTF-8.
        params.push((name, String::from_utf8_lossy(&value).into_owned()));
    }
    Ok(ContentType { media_type, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_plain_parameters() {
        let ct = parse_content_type(
            "Multipart/Related; type=\"application/dicom\"; boundary=\"a\\\"b c\";",
        )
        .unwrap();
        assert_eq!(ct.media_type, "multipart/related");
        assert_eq!(ct.param("TYPE"), Some("application/dicom"));
        assert_eq!(ct.boundary().unwrap(), "a\"b c");
        let ct =
            parse_content_type("multipart/related;boundary=xyz;type=application/dicom").unwrap();
        assert_eq!(ct.boundary().unwrap(), "xyz");
    }

    #[test]
    fn errors_name_the_offset() {
        let e = parse_content_type("multipart/related; boundary=\"abc").unwrap_err();
        assert_eq!(e.offset, Some(32));
        assert!(parse_content_type("text").is_err());
        assert!(parse_content_type("a/b; =x").is_err());
        let e = parse_content_type("multipart/related")
            .unwrap()
            .boundary()
            .unwrap_err();
        assert!(e.message.contains("boundary"));
        let long = format!("multipart/related; boundary={}", "x".repeat(71));
        assert!(parse_content_type(&long).unwrap().boundary().is_err());
    }
}
