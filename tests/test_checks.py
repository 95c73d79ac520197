"""Tests of course_utils._checks: the argument validation every public function shares.

Each check must raise TypeError (wrong kind of object) or ValueError (right
kind, wrong value) with a message that names the parameter and repeats the
value it was given. The public functions' own error tests live in the test
module of each public module; here the validators are tested directly.
"""

import re

import numpy as np
import pytest

from course_utils import _checks as checks


# ------------------------------------------------------------ positive ints
@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.int32(12)])
def test_check_positive_int_accepts_integers(value):
    result = checks.check_positive_int("depth", value)
    assert result == int(value) and type(result) is int


@pytest.mark.parametrize("value", [0, -1, -100])
def test_check_positive_int_refuses_non_positive(value):
    with pytest.raises(ValueError, match=rf"depth must be a positive integer, got {value}"):
        checks.check_positive_int("depth", value)


@pytest.mark.parametrize("value", [2.0, 2.5, "3", None, True, False, np.bool_(True)])
def test_check_positive_int_refuses_non_integers_and_bools(value):
    with pytest.raises(TypeError, match=rf"depth must be a positive integer, got {re.escape(repr(value))}"):
        checks.check_positive_int("depth", value)


# ------------------------------------------------------------ reals
@pytest.mark.parametrize("value", [0, 1, -2.5, np.float32(0.25), np.float64(3.0), np.int64(4)])
def test_check_real_returns_float(value):
    result = checks.check_real("mean", value)
    assert result == float(value) and type(result) is float


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), np.float32("nan")])
def test_check_real_refuses_non_finite(value):
    with pytest.raises(ValueError, match=r"mean must be a finite number, got (nan|inf|-inf)"):
        checks.check_real("mean", value)


@pytest.mark.parametrize("value", ["1", None, True, 1 + 2j, [1.0]])
def test_check_real_refuses_non_reals(value):
    with pytest.raises(TypeError, match=rf"mean must be a real number, got {re.escape(repr(value))}"):
        checks.check_real("mean", value)


def test_check_real_lower_bounds():
    assert checks.check_real("std", 0.0, min_value=0.0) == 0.0
    with pytest.raises(ValueError, match=r"std must be >= 0.0, got -1.0"):
        checks.check_real("std", -1.0, min_value=0.0)
    with pytest.raises(ValueError, match=r"scale must be > 0.0, got 0.0"):
        checks.check_real("scale", 0.0, min_value=0.0, allow_equal=False)


# ------------------------------------------------------------ choices
def test_check_choice():
    assert checks.check_choice("mode", "fan_in", ("fan_in", "fan_out")) == "fan_in"
    with pytest.raises(ValueError, match=r"mode must be one of 'fan_in', 'fan_out'; got 'fan_sum'"):
        checks.check_choice("mode", "fan_sum", ("fan_in", "fan_out"))
    with pytest.raises(ValueError, match=r"mode must be one of .*; got 3"):
        checks.check_choice("mode", 3, ("fan_in", "fan_out"))


# ------------------------------------------------------------ shapes
@pytest.mark.parametrize("shape, expected", [
    (5, (5,)), ((3, 4), (3, 4)), ([3, 4], (3, 4)), ((np.int64(2), 3), (2, 3)),
    (np.array([3, 3, 16, 32]), (3, 3, 16, 32)),
])
def test_check_shape_accepts(shape, expected):
    result = checks.check_shape(shape)
    assert result == expected and all(type(d) is int for d in result)


@pytest.mark.parametrize("shape, error, pattern", [
    ((), ValueError, r"shape must not be empty, got \(\)"),
    ((3, 0), ValueError, r"shape must contain only positive integers, got \(3, 0\)"),
    ((-1, 3), ValueError, r"shape must contain only positive integers, got \(-1, 3\)"),
    ((2.5, 3), TypeError, r"shape must be a tuple of positive integers, got \(2.5, 3\)"),
    ((True, 3), TypeError, r"shape must be a tuple of positive integers, got \(True, 3\)"),
    ("34", TypeError, r"shape must be a tuple of positive integers, got '34'"),
    (3.0, TypeError, r"shape must be a tuple of positive integers, got 3.0"),
    (None, TypeError, r"shape must be a tuple of positive integers, got None"),
    (np.array(5), TypeError, r"shape must be a tuple of positive integers, got array\(5\)"),
])
def test_check_shape_refuses(shape, error, pattern):
    with pytest.raises(error, match=pattern):
        checks.check_shape(shape)


def test_check_shape_min_ndim_explains_fans():
    with pytest.raises(ValueError, match=r"shape must have at least 2 dimensions to define "
                                         r"fan_in and fan_out .*got \(10,\)"):
        checks.check_shape((10,), min_ndim=2)


# ------------------------------------------------------------ dtypes
@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32", "float64", float,
                                   np.dtype("float32")])
def test_check_dtype_accepts_float32_and_float64(dtype):
    assert checks.check_dtype(dtype) in (np.dtype(np.float32), np.dtype(np.float64))


@pytest.mark.parametrize("dtype", [np.int32, np.float16, np.complex128, "banana", 3, int, "f2",
                                   (np.float32, -1)])
def test_check_dtype_refuses_others(dtype):
    with pytest.raises(ValueError, match=rf"dtype must be numpy.float32 or numpy.float64, "
                                         rf"got {re.escape(repr(dtype))}"):
        checks.check_dtype(dtype)


# ------------------------------------------------------------ rng
def test_check_rng_accepts_none_seed_and_generator():
    g = np.random.default_rng(1)
    assert checks.check_rng(g) is g                       # used as is, not copied
    assert isinstance(checks.check_rng(None), np.random.Generator)
    a = checks.check_rng(5).random(4)
    b = checks.check_rng(np.int64(5)).random(4)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, np.random.default_rng(5).random(4))


@pytest.mark.parametrize("rng", [np.random.RandomState(0), 0.5, "seed", True, [1, 2],
                                 np.random.SeedSequence(0)])
def test_check_rng_refuses_other_objects(rng):
    with pytest.raises(TypeError, match=rf"rng must be None, a non-negative integer seed or a "
                                        rf"numpy.random.Generator .*got {re.escape(repr(rng))}"):
        checks.check_rng(rng)


def test_check_rng_refuses_negative_seed():
    with pytest.raises(ValueError, match=r"rng must be a non-negative integer seed .*got -1"):
        checks.check_rng(-1)


# ------------------------------------------------------------ fans (bound helpers)
@pytest.mark.parametrize("value", [1, 10, 10.0, np.int64(7), [1, 2, 3], np.arange(1, 101),
                                   np.linspace(1, 100, 100)])
def test_check_fans_accepts_positive_whole_numbers(value):
    arr, scalar = checks.check_fans("fan_in", value)
    assert arr.dtype == np.float64
    assert scalar == (np.ndim(value) == 0)
    np.testing.assert_array_equal(arr, np.asarray(value, dtype=float))


@pytest.mark.parametrize("value, shown", [
    (0, "0"), (-3, "-3"), (2.5, "2.5"), (float("nan"), "nan"), (float("inf"), "inf"),
    ([1, 0, 3], "0"), (np.array([4.0, -2.0]), "-2.0"),
])
def test_check_fans_refuses_bad_values_and_repeats_them(value, shown):
    with pytest.raises(ValueError, match=rf"fan_in must contain only positive integers, "
                                         rf"got {re.escape(shown)}$"):
        checks.check_fans("fan_in", value)


@pytest.mark.parametrize("value", [True, np.bool_(False), "10", None, 1 + 1j, [True, False]])
def test_check_fans_refuses_wrong_types(value):
    with pytest.raises(TypeError, match=r"fan_in must be a positive integer or an array of them"):
        checks.check_fans("fan_in", value)


def test_check_fans_refuses_empty():
    with pytest.raises(ValueError, match=r"fan_in must not be empty, got \[\]"):
        checks.check_fans("fan_in", [])
