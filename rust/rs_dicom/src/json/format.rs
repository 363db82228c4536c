//! JSON text as Python's `json.dumps` writes it, so that the text rs_dicom writes is the same
//! whether it comes from Rust or from `json.dumps` of the object model: `", "` and `": "`
//! between items without indentation, `","` and a new line with it, floats as Python's
//! `repr` (`1e-05`, `1e+16`, `12.0`), and with `ensure_ascii` every non-ASCII character (and
//! DEL) as a `\uXXXX` escape, surrogate pairs beyond the BMP.

use std::io::{self, Write};

use serde_json::ser::Formatter;

/// A serde_json formatter writing what Python's `json.dumps(obj, indent=…, ensure_ascii=…)`
/// writes.
#[derive(Debug, Clone)]
pub struct PythonFormatter {
    indent: Option<Vec<u8>>,
    level: usize,
    has_value: bool,
    ensure_ascii: bool,
}

impl PythonFormatter {
    /// `indent`: spaces per level (`None`: one line); `ensure_ascii`: escape non-ASCII.
    pub fn new(indent: Option<usize>, ensure_ascii: bool) -> Self {
        PythonFormatter {
            indent: indent.map(|n| vec![b' '; n]),
            level: 0,
            has_value: false,
            ensure_ascii,
        }
    }

    fn new_line<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        if let Some(indent) = &self.indent {
            w.write_all(b"\n")?;
            for _ in 0..self.level {
                w.write_all(indent)?;
            }
        }
        Ok(())
    }

    fn separator<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(if self.indent.is_some() { b"," } else { b", " })?;
        }
        self.new_line(w)
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, c: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(c)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, c: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.new_line(w)?;
        }
        self.has_value = true;
        w.write_all(c)
    }
}

/// The shortest round-trip digits of a finite, non-zero `|f|` (no leading or trailing
/// zeros) and the position of the decimal point after the first digit's place (`decpt`:
/// `f = 0.d1d2… × 10^decpt`), as Python's float repr computes them.
fn shortest(f: f64, digits: &mut [u8; 32]) -> (usize, i32) {
    // serde_json's own float writer (the zmij algorithm) gives the shortest digits fast.
    let mut text = [0u8; 40];
    let len = {
        let mut cur = io::Cursor::new(&mut text[..]);
        let _ = serde_json::ser::CompactFormatter.write_f64(&mut cur, f.abs());
        cur.position() as usize
    };
    let text = &text[..len];
    let (mantissa, exp) = match text.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (
            &text[..i],
            std::str::from_utf8(&text[i + 1..])
                .ok()
                .and_then(|e| e.parse::<i32>().ok())
                .unwrap_or(0),
        ),
        None => (text, 0),
    };
    let mut n = 0;
    let mut before_point = 0i32;
    let mut seen_point = false;
    let mut leading = 0i32;
    for &c in mantissa {
        match c {
            b'.' => seen_point = true,
            b'0'..=b'9' => {
                if !seen_point {
                    before_point += 1;
                }
                if n == 0 && c == b'0' {
                    leading += 1;
                } else if n < digits.len() {
                    digits[n] = c;
                    n += 1;
                }
            }
            _ => {}
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    (n, before_point + exp - leading)
}

/// Writes `f` as Python's `repr(float)`: the shortest digits that read back as `f`, in
/// positional notation when the decimal exponent is in -4..16, else `d.ddde±XX`.
pub fn write_python_float<W: ?Sized + Write>(w: &mut W, f: f64) -> io::Result<()> {
    if f.is_nan() {
        return w.write_all(b"NaN");
    }
    if f.is_infinite() {
        return w.write_all(if f > 0.0 { b"Infinity" } else { b"-Infinity" });
    }
    if f.is_sign_negative() {
        w.write_all(b"-")?;
    }
    if f == 0.0 {
        return w.write_all(b"0.0");
    }
    let mut buf = [0u8; 32];
    let (mut n, mut decpt) = shortest(f, &mut buf);
    if n >= 17 {
        // 17 digits: Python rounds the exact value half to even, as `{:.16e}` does (the
        // shortest-digits algorithm may round a tie up).
        let exact = format!("{:.16e}", f.abs());
        let mut again = [0u8; 32];
        (n, decpt) = {
            let (m, e) = exact.split_once('e').unwrap_or((&exact, "0"));
            let mut k = 0;
            for c in m.bytes().filter(u8::is_ascii_digit) {
                again[k] = c;
                k += 1;
            }
            while k > 1 && again[k - 1] == b'0' {
                k -= 1;
            }
            (k, e.parse::<i32>().unwrap_or(0) + 1)
        };
        buf = again;
    }
    let digits = &buf[..n];
    let n = n as i32;
    if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            w.write_all(b"0.")?;
            for _ in 0..-decpt {
                w.write_all(b"0")?;
            }
            w.write_all(digits)
        } else if decpt >= n {
            w.write_all(digits)?;
            for _ in 0..decpt - n {
                w.write_all(b"0")?;
            }
            w.write_all(b".0")
        } else {
            let (int, frac) = digits.split_at(decpt as usize);
            w.write_all(int)?;
            w.write_all(b".")?;
            w.write_all(frac)
        }
    } else {
        w.write_all(&digits[..1])?;
        if n > 1 {
            w.write_all(b".")?;
            w.write_all(&digits[1..])?;
        }
        let exp = decpt - 1;
        write!(w, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

/// The shortest DS text (at most 16 characters) that reads back as the finite `f`: the
/// shortest round-trip digits, positional or with an exponent; `None` when those need more
/// than 16 characters (the caller then rounds).
pub fn ds_text(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return Some(format!("{sign}0"));
    }
    let mut buf = [0u8; 32];
    let (n, decpt) = shortest(f, &mut buf);
    let digits = std::str::from_utf8(&buf[..n]).ok()?;
    let ni = n as i32;
    let positional = if decpt <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if decpt >= ni {
        format!("{sign}{digits}{}", "0".repeat((decpt - ni) as usize))
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{sign}{int}.{frac}")
    };
    if positional.len() <= 16 {
        return Some(positional);
    }
    let (first, rest) = digits.split_at(1);
    let dot = if rest.is_empty() { "" } else { "." };
    let sci = format!("{sign}{first}{dot}{rest}E{}", decpt - 1);
    (sci.len() <= 16).then_some(sci)
}

/// `f` as Python's `repr(float)` (see [`write_python_float`]).
pub fn python_float(f: f64) -> String {
    let mut out = Vec::with_capacity(24);
    let _ = write_python_float(&mut out, f);
    String::from_utf8(out).unwrap_or_default()
}

impl Formatter for PythonFormatter {
    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        write_python_float(w, value)
    }

    fn write_f32<W: ?Sized + Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(w, f64::from(value))
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !self.ensure_ascii || fragment.bytes().all(|b| b < 0x7F) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if (c as u32) < 0x7F {
                continue;
            }
            w.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.separator(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.separator(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // The last two are exact binary fractions: ties that Python rounds half to even.
    #[allow(clippy::excessive_precision)]
    fn floats_as_python_repr() {
        for (f, text) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-32.0, "-32.0"),
            (12.5, "12.5"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345678901234567e16, "1.2345678901234568e+16"),
            (-1e300, "-1e+300"),
            (123456.789, "123456.789"),
            (f64::from(0.1f32), "0.10000000149011612"),
            (5e-324, "5e-324"),
            (-180.535797119140625, "-180.53579711914062"),
            (242.341461181640625, "242.34146118164062"),
        ] {
            assert_eq!(python_float(f), text, "{f:?}");
        }
    }

    #[test]
    fn ds_text_is_short_and_exact() {
        for (f, text) in [
            (-32.0, "-32"),
            (-0.0, "-0"),
            (0.0, "0"),
            (0.5, "0.5"),
            (1e-20, "1E-20"),
            (1e15, "1000000000000000"),
            (-1.5e-7, "-0.00000015"),
            (123456.789, "123456.789"),
            (-1.2345e-100, "-1.2345E-100"),
        ] {
            assert_eq!(ds_text(f).as_deref(), Some(text), "{f:?}");
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), f.to_bits());
        }
        assert_eq!(ds_text(0.1 + 0.2), None);
    }

    fn dump(value: &serde_json::Value, indent: Option<usize>, ascii: bool) -> String {
        let mut out = Vec::new();
        let mut ser =
            serde_json::Serializer::with_formatter(&mut out, PythonFormatter::new(indent, ascii));
        serde::Serialize::serialize(value, &mut ser).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn separators_indent_and_escapes_as_json_dumps() {
        let v =
            serde_json::json!({"a": [1, 2.5, null], "b": {}, "c": [], "d": "Ü\u{7f}\u{1F600}\n"});
        assert_eq!(
            dump(&v, None, false),
            "{\"a\": [1, 2.5, null], \"b\": {}, \"c\": [], \"d\": \"Ü\u{7f}\u{1F600}\\n\"}"
        );
        assert_eq!(
            dump(&v, Some(2), true),
            "{\n  \"a\": [\n    1,\n    2.5,\n    null\n  ],\n  \"b\": {},\n  \"c\": [],\n  \
             \"d\": \"\\u00dc\\u007f\\ud83d\\ude00\\n\"\n}"
        );
    }
}
