"""Argument validation shared by every public function of ``course_utils``.

Each check raises ``TypeError`` (wrong kind of object) or ``ValueError``
(right kind, wrong value) with a message that names the parameter, repeats
the value it was given and says what is allowed, so that a learner never has
to read a traceback from deep inside numpy.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

#: dtypes the samplers can produce directly from ``numpy.random.Generator``.
ALLOWED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def is_integer(value) -> bool:
    """True for an integer (Python or numpy), False for bool and everything else."""
    # bool is an int subclass, but ``True`` is never a sensible fan or size.
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_int(name: str, value, minimum: int, kind: str) -> int:
    if not is_integer(value):
        raise TypeError(f"{name} must be {kind}, got {value!r} of type {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return int(value)


def check_positive_int(name: str, value) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise."""
    return _check_int(name, value, 1, "a positive integer")


def check_nonnegative_int(name: str, value) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= 0`` (a seed, a count of digits)."""
    return _check_int(name, value, 0, "a non-negative integer")


def check_real(name: str, value, *, min_value=None, allow_equal=True) -> float:
    """Return ``value`` as a finite ``float``; optionally bounded below."""
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number, got {value!r} "
                        f"of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if min_value is not None:
        if allow_equal and value < min_value:
            raise ValueError(f"{name} must be >= {min_value}, got {value!r}")
        if not allow_equal and value <= min_value:
            raise ValueError(f"{name} must be > {min_value}, got {value!r}")
    return value


def check_choice(name: str, value, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of the ``allowed`` strings, else raise.

    A non-string is a ``TypeError`` (wrong kind of object), an unknown string a
    ``ValueError``; both messages list the allowed values.
    """
    allowed = tuple(allowed)
    options = ", ".join(repr(a) for a in allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {options}; got {value!r} "
                        f"of type {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def check_shape(shape, *, min_ndim: int = 1, name: str = "shape") -> tuple[int, ...]:
    """Return ``shape`` as a tuple of positive ints with at least ``min_ndim`` entries.

    A bare integer is accepted as a 1-D shape, as numpy does.
    """
    if is_integer(shape):
        shape = (shape,)
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Iterable):
        raise TypeError(f"{name} must be a tuple of positive integers, got {shape!r}")
    try:
        shape = tuple(shape)
    except TypeError:   # iterable by type but not in fact, e.g. a 0-d numpy array
        raise TypeError(f"{name} must be a tuple of positive integers, got {shape!r}") from None
    if not all(is_integer(d) for d in shape):
        raise TypeError(f"{name} must be a tuple of positive integers, got {shape!r}")
    if len(shape) == 0:
        raise ValueError(f"{name} must not be empty, got {shape!r}")
    if any(d < 1 for d in shape):
        raise ValueError(f"{name} must contain only positive integers, got {shape!r}")
    if len(shape) < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions to define fan_in and "
            f"fan_out (dense kernel: (fan_in, fan_out)), got {shape!r}")
    return tuple(int(d) for d in shape)


def check_dtype(dtype) -> np.dtype:
    """Return ``dtype`` as a ``numpy.dtype`` if it is float32 or float64."""
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError):
        resolved = None
    # Test with ``is None`` first: ``np.dtype("float64") == None`` is True (numpy
    # reads None as the default dtype), so ``None in ALLOWED_DTYPES`` would let an
    # unreadable dtype such as "banana" through.
    if resolved is None or resolved not in ALLOWED_DTYPES:
        raise ValueError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}")
    return resolved


def check_rng(rng) -> np.random.Generator:
    """Turn ``rng`` (None, a non-negative int seed or a Generator) into a Generator.

    ``np.random.RandomState`` and the global ``np.random`` functions are refused
    on purpose: the course passes one explicit, seeded Generator around.
    """
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if is_integer(rng):
        if rng < 0:
            raise ValueError(f"rng must be a non-negative integer seed or a "
                             f"numpy.random.Generator, got {rng!r}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be None, a non-negative integer seed or a numpy.random.Generator "
        f"(e.g. numpy.random.default_rng(0)), got {rng!r} of type {type(rng).__name__}")


def check_fans(name: str, value):
    """Validate a fan given as a number or an array of numbers (for the bound helpers).

    Integer-valued floats (``10.0``) are accepted, since ``np.arange`` and
    ``np.linspace`` produce them; anything else that is not a positive whole
    number is refused. Returns ``(array_of_float64, was_scalar)``.
    """
    # Booleans and strings need no test of their own: their arrays' dtypes (bool, str,
    # bytes) are refused below.
    try:
        arr = np.asarray(value)
    except Exception:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be a positive integer or an array of them, got {value!r}")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a positive integer or an array of them, got {value!r}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got {value!r}")
    farr = arr.astype(np.float64)
    good = np.isfinite(farr) & (farr >= 1) & (farr == np.floor(farr))
    if not np.all(good):
        # Repeat the first offending value as the caller wrote it (0, not np.float64(0.0)).
        shown = arr[~good].flat[0].item()
        raise ValueError(f"{name} must contain only positive integers, got {shown!r}")
    return farr, arr.ndim == 0
