//! Deterministic pseudo-random numbers for the differential tests: the encoder tests' generator.

pub(super) use crate::pixel::codec::encode_testing::Rng;
