"""The comparison helpers of the display tests: same dtype, shape and values as pydicom's
functions, or the same exception."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest


def same(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Same dtype (up to byte order), shape and values; floats to the last bit."""
    assert ours.shape == theirs.shape
    assert ours.dtype.newbyteorder("=") == theirs.dtype.newbyteorder("="), (
        ours.dtype,
        theirs.dtype,
    )
    np.testing.assert_array_equal(ours, theirs)


def oracle_result(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, type[BaseException] | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return func(*args, **kwargs), None
        except Exception as exc:
            return None, type(exc)


def check(ours: Any, *args: Any, oracle: Any, oracle_args: tuple, **kwargs: Any) -> None:
    """`ours(*args)` gives what pydicom's `oracle(*oracle_args)` gives, or raises likewise."""
    expected, exc = oracle_result(oracle, *oracle_args, **kwargs)
    if exc is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(exc):
                ours(*args, **kwargs)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = ours(*args, **kwargs)
    same(got, expected)
