//! Numbers as Python prints them: `repr(float)`, the `%g` format, and the shortest text that
//! reads back as the same 32-bit float. The dump shows values as the Python package always
//! has, so the text must be Python's to the character (`1e-05`, `1e+16`, `0.0`, `-0`).

/// Sign, significant digits and decimal exponent of `v` as Rust's `{:e}` formats it
/// (`-1.25e-7` → `(true, "125", -7)`). `v` must be finite.
fn scientific(text: &str) -> (bool, String, i32) {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    (negative, digits, exponent.parse().unwrap_or(0))
}

/// The exponent as Python writes it: a sign and at least two digits (`e-05`, `e+16`).
fn push_exponent(out: &mut String, exponent: i32) {
    out.push('e');
    out.push(if exponent < 0 { '-' } else { '+' });
    let magnitude = exponent.unsigned_abs();
    if magnitude < 10 {
        out.push('0');
    }
    out.push_str(&magnitude.to_string());
}

/// `digits` with the decimal point `point` places from the left (may be ≤ 0 or past the end).
fn push_fixed(out: &mut String, digits: &str, point: i32) {
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(digits);
        return;
    }
    let point = point as usize;
    if point >= digits.len() {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', point - digits.len()));
    } else {
        out.push_str(&digits[..point]);
        out.push('.');
        out.push_str(&digits[point..]);
    }
}

fn non_finite(v: f64) -> &'static str {
    if v.is_nan() {
        "nan"
    } else if v > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

/// Python's `repr(v)`: the shortest text that reads back as `v`, in fixed notation for
/// exponents from -5 to 15 (with `.0` for whole numbers), otherwise as `1.5e+16`.
pub fn float_repr(v: f64) -> String {
    if !v.is_finite() {
        return non_finite(v).to_string();
    }
    // The shortest digits that read back as `v`; among candidates of that length Python
    // takes the nearest, ties to even, which exact rounding to that many digits gives (the
    // shortest-digit search alone may round a tie up).
    let (_, shortest, _) = scientific(&format!("{v:e}"));
    let precision = shortest.len().max(1) - 1;
    let (negative, digits, exponent) = scientific(&format!("{v:.precision$e}"));
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    let point = exponent + 1;
    if point <= -4 || point > 16 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        push_exponent(&mut out, exponent);
    } else {
        push_fixed(&mut out, &digits, point);
        if point > 0 && point as usize >= digits.len() {
            out.push_str(".0");
        }
    }
    out
}

/// Python's `f"{v:.{precision}g}"`: `precision` significant digits, trailing zeros removed,
/// scientific notation when the exponent is below -4 or at least `precision`.
pub fn format_g(v: f64, precision: usize) -> String {
    if !v.is_finite() {
        return non_finite(v).to_string();
    }
    let precision = precision.max(1);
    let (negative, digits, exponent) = scientific(&format!("{v:.*e}", precision - 1));
    let mut out = String::with_capacity(precision + 8);
    if negative {
        out.push('-');
    }
    if exponent >= -4 && exponent < precision as i32 {
        let mut fixed = String::new();
        push_fixed(&mut fixed, &digits, exponent + 1);
        if fixed.contains('.') {
            fixed.truncate(fixed.trim_end_matches('0').trim_end_matches('.').len());
        }
        out.push_str(&fixed);
    } else {
        let rest = digits[1..].trim_end_matches('0');
        out.push_str(&digits[..1]);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        push_exponent(&mut out, exponent);
    }
    out
}

/// The shortest text (6 to 9 significant digits) that reads back as the same 32-bit float:
/// `1.9`, not `1.89999998`. `v` is an FL value widened to `f64`.
pub fn float32_text(v: f64) -> String {
    if !v.is_finite() {
        return non_finite(v).to_string();
    }
    for digits in 6..10 {
        let text = format_g(v, digits);
        // Read back as Python does: the text as a double, then rounded to a float.
        if text.parse::<f64>().is_ok_and(|f| f64::from(f as f32) == v) {
            return text;
        }
    }
    float_repr(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_like_python() {
        // Expected texts are what CPython's repr() prints for the same doubles.
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (12.5, "12.5"),
            (-32.0, "-32.0"),
            (0.1, "0.1"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (2.5e300, "2.5e+300"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.30000000000000004, "0.30000000000000004"),
            // f32 values, whose two shortest candidates are equally near: ties to even.
            (f64::from(606.2723f32), "606.2722778320312"),
            (f64::from(-136.11063f32), "-136.11062622070312"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (v, text) in cases {
            assert_eq!(float_repr(v), text, "{v:e}");
        }
    }

    #[test]
    fn g_format_like_python() {
        // f"{v:.{p}g}" in CPython.
        let cases = [
            (0.0, 6, "0"),
            (-0.0, 6, "-0"),
            (100.0, 6, "100"),
            (123456.0, 6, "123456"),
            (1234567.0, 6, "1.23457e+06"),
            (0.0001, 6, "0.0001"),
            (0.00001, 6, "1e-05"),
            (1.899999976158142, 6, "1.9"),
            (1.899999976158142, 9, "1.89999998"),
            (9.9999996, 6, "10"),
            (0.125, 2, "0.12"),
            (0.375, 2, "0.38"),
            (2.5, 1, "2"),
            (3.4028234663852886e38, 8, "3.4028235e+38"),
            (1.401298464324817e-45, 6, "1.4013e-45"),
        ];
        for (v, p, text) in cases {
            assert_eq!(format_g(v, p), text, "{v:e} .{p}g");
        }
    }

    #[test]
    fn float32_shortest() {
        assert_eq!(float32_text(f64::from(1.9f32)), "1.9");
        assert_eq!(float32_text(f64::from(0.1f32)), "0.1");
        assert_eq!(float32_text(f64::from(16777217f32)), "16777216");
        assert_eq!(float32_text(f64::from(f32::MAX)), "3.4028235e+38");
        assert_eq!(float32_text(f64::from(f32::MIN_POSITIVE)), "1.1754944e-38");
        assert_eq!(float32_text(f64::from(-0.0f32)), "-0");
        assert_eq!(float32_text(f64::from(1.0f32 / 3.0)), "0.33333334");
        assert_eq!(float32_text(f64::NAN), "nan");
    }
}
