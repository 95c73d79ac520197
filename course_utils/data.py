"""Seeded toy data sets in two dimensions, for training the small MLP."""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_int, check_real, check_rng

__all__ = ["make_circles", "make_spirals"]


def _shuffled(rng, X, y):
    order = rng.permutation(len(y))
    return X[order], y[order]


def make_circles(n_samples: int = 300, *, noise: float = 0.08, factor: float = 0.5,
                 rng=None):
    """Two concentric rings: class 0 on the unit circle, class 1 on radius ``factor``.

    No straight line separates them, so a network needs its hidden units to
    differ from each other to classify them.

    Args:
        n_samples: total number of points (split evenly), an integer >= 2.
        noise: std of the Gaussian noise added to each coordinate, >= 0.
        factor: radius of the inner ring, strictly between 0 and 1.
        rng: Generator or seed.

    Returns:
        ``(X, y)``: ``X`` of shape ``(n_samples, 2)``, ``y`` of 0/1 integers.

    Examples:
        >>> X, y = make_circles(100, rng=0)
        >>> X.shape, int(y.sum())
        ((100, 2), 50)
    """
    n_samples = check_positive_int("n_samples", n_samples)
    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    noise = check_real("noise", noise, min_value=0.0)
    factor = check_real("factor", factor)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be strictly between 0 and 1, got {factor!r}")
    rng = check_rng(rng)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    angles = rng.uniform(0.0, 2.0 * np.pi, n_samples)
    radius = np.concatenate([np.ones(n_outer), np.full(n_inner, factor)])
    X = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_outer, int), np.ones(n_inner, int)])
    return _shuffled(rng, X, y)


def make_spirals(n_samples: int = 300, *, noise: float = 0.05, turns: float = 1.5, rng=None):
    """Two interleaved spiral arms, one per class (harder than the circles).

    Args:
        n_samples: total number of points (split evenly), an integer >= 2.
        noise: std of the Gaussian noise added to each coordinate, >= 0.
        turns: how many turns each arm makes, > 0.
        rng: Generator or seed.

    Returns:
        ``(X, y)``: ``X`` of shape ``(n_samples, 2)`` within about [-1, 1]^2,
        ``y`` of 0/1 integers.

    Examples:
        >>> X, y = make_spirals(100, rng=0)
        >>> X.shape, sorted(set(y.tolist()))
        ((100, 2), [0, 1])
    """
    n_samples = check_positive_int("n_samples", n_samples)
    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    noise = check_real("noise", noise, min_value=0.0)
    turns = check_real("turns", turns, min_value=0.0, allow_equal=False)
    rng = check_rng(rng)
    counts = (n_samples // 2, n_samples - n_samples // 2)
    points, labels = [], []
    for label, count in enumerate(counts):
        t = np.sqrt(rng.uniform(0.0, 1.0, count))        # even density along the arm
        angle = 2.0 * np.pi * turns * t + label * np.pi   # second arm rotated by 180 degrees
        points.append(np.column_stack([t * np.cos(angle), t * np.sin(angle)]))
        labels.append(np.full(count, label, int))
    X = np.vstack(points) + noise * rng.standard_normal((n_samples, 2))
    return _shuffled(rng, X, np.concatenate(labels))
