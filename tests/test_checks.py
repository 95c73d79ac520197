"""Tests of course_utils._checks: the argument validation every public function shares.

Each check must raise TypeError (wrong kind of object) or ValueError (right
kind, wrong value) with a message that names the parameter and repeats the
value it was given. The public functions' own error tests live in the test
module of each public module; here the validators are tested directly.
"""


import numpy as np
import pytest

from course_utils import _checks as checks


# ------------------------------------------------------------ positive ints
@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.int32(12)])
def test_check_positive_int_accepts_integers(value):
    result = checks.check_positive_int("depth", value)
    assert result == int(value) and type(result) is int


# ------------------------------------------------------------ reals
@pytest.mark.parametrize("value", [0, 1, -2.5, np.float32(0.25), np.float64(3.0), np.int64(4)])
def test_check_real_returns_float(value):
    result = checks.check_real("mean", value)
    assert result == float(value) and type(result) is float


def test_check_real_lower_bounds():
    assert checks.check_real("std", 0.0, min_value=0.0) == 0.0
    with pytest.raises(ValueError, match=r"std must be >= 0.0, got -1.0"):
        checks.check_real("std", -1.0, min_value=0.0)
    with pytest.raises(ValueError, match=r"scale must be > 0.0, got 0.0"):
        checks.check_real("scale", 0.0, min_value=0.0, allow_equal=False)


# ------------------------------------------------------------ choices
def test_check_choice():
    # The refusals (an unknown string: ValueError; a non-string: TypeError) are in
    # tests/test_bad_inputs.py, through the public functions that call this.
    assert checks.check_choice("mode", "fan_in", ("fan_in", "fan_out")) == "fan_in"


def test_check_nonnegative_int():
    assert checks.check_nonnegative_int("seed", 0) == 0
    assert type(checks.check_nonnegative_int("seed", np.int64(7))) is int


# ------------------------------------------------------------ shapes
@pytest.mark.parametrize("shape, expected", [
    (5, (5,)), ((3, 4), (3, 4)), ([3, 4], (3, 4)), ((np.int64(2), 3), (2, 3)),
    (np.array([3, 3, 16, 32]), (3, 3, 16, 32)),
])
def test_check_shape_accepts(shape, expected):
    result = checks.check_shape(shape)
    assert result == expected and all(type(d) is int for d in result)


# ------------------------------------------------------------ dtypes
@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32", "float64", float,
                                   np.dtype("float32")])
def test_check_dtype_accepts_float32_and_float64(dtype):
    assert checks.check_dtype(dtype) in (np.dtype(np.float32), np.dtype(np.float64))


# ------------------------------------------------------------ rng
def test_check_rng_accepts_none_seed_and_generator():
    g = np.random.default_rng(1)
    assert checks.check_rng(g) is g                       # used as is, not copied
    assert isinstance(checks.check_rng(None), np.random.Generator)
    a = checks.check_rng(5).random(4)
    b = checks.check_rng(np.int64(5)).random(4)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, np.random.default_rng(5).random(4))


# ------------------------------------------------------------ fans (bound helpers)
@pytest.mark.parametrize("value", [1, 10, 10.0, np.int64(7), [1, 2, 3], np.arange(1, 101),
                                   np.linspace(1, 100, 100)])
def test_check_fans_accepts_positive_whole_numbers(value):
    arr, scalar = checks.check_fans("fan_in", value)
    assert arr.dtype == np.float64
    assert scalar == (np.ndim(value) == 0)
    np.testing.assert_array_equal(arr, np.asarray(value, dtype=float))


def test_check_fans_accepts_every_float_width():
    # Whole numbers in any float dtype (np.linspace in float32 is common), not float64 only.
    for value in (np.arange(1, 5, dtype=np.float32), np.float16(3), np.float32(7)):
        arr, _ = checks.check_fans("fan_out", value)
        assert arr.dtype == np.float64
        np.testing.assert_array_equal(arr, np.asarray(value, dtype=np.float64))


@pytest.mark.parametrize("value", [True, np.bool_(False), [True, True], "10", b"10", ["1", "2"]])
def test_check_fans_refuses_booleans_and_strings(value):
    with pytest.raises(TypeError, match=r"^fan_out must be a positive integer or an array of "
                                        r"them, got "):
        checks.check_fans("fan_out", value)


def test_check_shape_refuses_a_zero_dimensional_array():
    # Iterable by type (numpy.ndarray) but not in fact.
    with pytest.raises(TypeError, match=r"^shape must be a tuple of positive integers, got "
                                        r"array\(3\.\)$"):
        checks.check_shape(np.array(3.0))


def test_check_fans_refuses_an_object_numpy_cannot_read():
    class Unreadable:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("no array here")

        def __repr__(self):
            return "Unreadable()"

    with pytest.raises(TypeError, match=r"^fan_in must be a positive integer or an array of "
                                        r"them, got Unreadable\(\)$"):
        checks.check_fans("fan_in", Unreadable())
