//! VOI windowing (PS3.3 C.11.2.1.2): LINEAR, LINEAR_EXACT and SIGMOID, with pydicom's
//! arithmetic (float64, its order of operations), so results are equal to the last bit.

use crate::error::{DicomError, ErrorKind, Result};

use super::px::Px;

/// The VOI LUT Function (0028,1056).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiFunction {
    /// LINEAR (the default).
    Linear,
    /// LINEAR_EXACT.
    LinearExact,
    /// SIGMOID.
    Sigmoid,
}

#[cold]
fn invalid(message: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::InvalidValue, None, "", message)
}

impl VoiFunction {
    /// From the attribute's text (stripped, any case; empty means LINEAR).
    pub fn parse(text: &str) -> Result<VoiFunction> {
        match text.trim().to_ascii_uppercase().as_str() {
            "" | "LINEAR" => Ok(VoiFunction::Linear),
            "LINEAR_EXACT" => Ok(VoiFunction::LinearExact),
            "SIGMOID" => Ok(VoiFunction::Sigmoid),
            other => Err(invalid(format!(
                "Unsupported (0028,1056) VOI LUT Function value '{other}'"
            ))),
        }
    }
}

/// A window, checked: centre, width and function, and the output range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Window Center.
    pub center: f64,
    /// Window Width.
    pub width: f64,
    /// The function.
    pub function: VoiFunction,
    /// Output for the lowest input.
    pub y_min: f64,
    /// Output for the highest input.
    pub y_max: f64,
}

impl Window {
    /// A window onto `y_min..=y_max`; errors for widths the function does not allow (LINEAR
    /// needs at least 1, the others more than 0), with pydicom's messages.
    pub fn new(
        center: f64,
        width: f64,
        function: VoiFunction,
        y_min: f64,
        y_max: f64,
    ) -> Result<Window> {
        let name = match function {
            VoiFunction::Linear => "LINEAR",
            VoiFunction::LinearExact => "LINEAR_EXACT",
            VoiFunction::Sigmoid => "SIGMOID",
        };
        if function == VoiFunction::Linear && width < 1.0 {
            return Err(invalid(
                "The (0028,1051) Window Width must be greater than or equal to 1 for a \
                 'LINEAR' windowing operation",
            ));
        }
        if function != VoiFunction::Linear && width <= 0.0 {
            return Err(invalid(format!(
                "The (0028,1051) Window Width must be greater than 0 for a '{name}' \
                 windowing operation"
            )));
        }
        Ok(Window {
            center,
            width,
            function,
            y_min,
            y_max,
        })
    }

    /// The window applied to every value of `input`, into `out` (same length); SIGMOID uses
    /// `f64::exp` (see [`Window::sigmoid_exponent`] for another exponential).
    pub fn apply<T: Px>(&self, input: &[T], out: &mut [f64]) {
        let f = self.mapping();
        for (o, &v) in out.iter_mut().zip(input) {
            *o = f.map(v.to_f64());
        }
    }

    /// The window as a function of one value (its constants computed once).
    pub fn mapping(&self) -> WindowMap {
        let (mut center, mut width) = (self.center, self.width);
        if self.function == VoiFunction::Linear {
            center -= 0.5;
            width -= 1.0;
        }
        WindowMap {
            sigmoid: self.function == VoiFunction::Sigmoid,
            center,
            width,
            below: center - width / 2.0,
            above: center + width / 2.0,
            y_min: self.y_min,
            y_max: self.y_max,
            range: self.y_max - self.y_min,
        }
    }

    /// SIGMOID, first step: `-4 (x - center) / width` into `out`; take the exponential of
    /// each value, then call [`Window::sigmoid_finish`]. (Split so that a caller can use the
    /// same exponential as another implementation it must agree with to the last bit.)
    pub fn sigmoid_exponent<T: Px>(&self, input: &[T], out: &mut [f64]) {
        for (o, &v) in out.iter_mut().zip(input) {
            *o = (v.to_f64() - self.center) * -4.0 / self.width;
        }
    }

    /// SIGMOID, last step: `y_range / (1 + e) + y_min` of each exponential `e` in `out`.
    pub fn sigmoid_finish(&self, out: &mut [f64]) {
        let range = self.y_max - self.y_min;
        out.iter_mut()
            .for_each(|e| *e = range / (*e + 1.0) + self.y_min);
    }
}

/// A window as a function of one value: see [`Window::mapping`].
#[derive(Debug, Clone, Copy)]
pub struct WindowMap {
    sigmoid: bool,
    center: f64,
    width: f64,
    below: f64,
    above: f64,
    y_min: f64,
    y_max: f64,
    range: f64,
}

impl WindowMap {
    /// The windowed value of `x`, in pydicom's order of operations.
    #[inline(always)]
    pub fn map(&self, x: f64) -> f64 {
        if self.sigmoid {
            return self.range / (((x - self.center) * -4.0 / self.width).exp() + 1.0) + self.y_min;
        }
        if x <= self.below {
            self.y_min
        } else if x > self.above {
            self.y_max
        } else if self.width > 0.0 {
            ((x - self.center) / self.width + 0.5) * self.range + self.y_min
        } else {
            x
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(w: &Window, input: &[i32]) -> Vec<f64> {
        let mut out = vec![0.0; input.len()];
        w.apply(input, &mut out);
        out
    }

    #[test]
    fn linear_as_ps3_3() {
        let w = Window::new(100.0, 51.0, VoiFunction::Linear, 0.0, 255.0).unwrap();
        let out = run(&w, &[0, 74, 75, 100, 125, 126, 1000]);
        assert_eq!(out[0], 0.0);
        assert_eq!(out[1], 0.0);
        assert_eq!(out[5], 255.0);
        assert_eq!(out[6], 255.0);
        assert_eq!(out[3], ((100.0 - 99.5) / 50.0 + 0.5) * 255.0);
        // width 1: a threshold at the centre
        let w = Window::new(10.0, 1.0, VoiFunction::Linear, -5.0, 5.0).unwrap();
        assert_eq!(run(&w, &[9, 10, 11]), vec![-5.0, 5.0, 5.0]);
    }

    #[test]
    fn exact_and_sigmoid() {
        let w = Window::new(100.0, 50.0, VoiFunction::LinearExact, 0.0, 1.0).unwrap();
        assert_eq!(run(&w, &[75, 100, 125, 126]), vec![0.0, 0.5, 1.0, 1.0]);
        let s = Window::new(100.0, 50.0, VoiFunction::Sigmoid, 0.0, 255.0).unwrap();
        let out = run(&s, &[100, -10_000, 10_000]);
        assert_eq!(out[0], 127.5);
        assert!(out[1] < 1e-6 && out[2] > 255.0 - 1e-6);
    }

    #[test]
    fn widths_and_functions_checked() {
        assert!(Window::new(0.0, 0.5, VoiFunction::Linear, 0.0, 1.0).is_err());
        assert!(Window::new(0.0, 0.0, VoiFunction::LinearExact, 0.0, 1.0).is_err());
        assert!(Window::new(0.0, -1.0, VoiFunction::Sigmoid, 0.0, 1.0).is_err());
        assert_eq!(
            VoiFunction::parse(" sigmoid ").unwrap(),
            VoiFunction::Sigmoid
        );
        assert_eq!(VoiFunction::parse("").unwrap(), VoiFunction::Linear);
        assert!(VoiFunction::parse("BOGUS").is_err());
    }
}
