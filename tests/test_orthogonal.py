"""course_utils.initializers.orthogonal: (semi-)orthogonal weights, PyTorch's QR recipe."""

import numpy as np
import pytest

from course_utils.initializers import orthogonal


@pytest.mark.parametrize("shape", [(64, 64), (50, 20), (7, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_tall_or_square_has_orthonormal_columns(shape, gain):
    w = orthogonal(shape, gain=gain, rng=0)
    assert w.shape == shape
    np.testing.assert_allclose(w.T @ w, gain ** 2 * np.eye(shape[1]), atol=1e-12)


@pytest.mark.parametrize("shape", [(20, 50), (3, 7)])
def test_wide_has_orthonormal_rows(shape):
    w = orthogonal(shape, gain=0.5, rng=1)
    np.testing.assert_allclose(w @ w.T, 0.25 * np.eye(shape[0]), atol=1e-12)
    # a wide matrix cannot have orthonormal columns: W^T W has rank n < m
    assert np.linalg.matrix_rank(w.T @ w) == shape[0]


def test_every_singular_value_is_the_gain_even_in_a_product():
    ws = [orthogonal((32, 32), rng=k) for k in range(16)]
    product = np.linalg.multi_dot(ws)
    np.testing.assert_allclose(np.linalg.svd(product, compute_uv=False), 1.0, atol=1e-12)


def test_conv_kernel_shape_is_flattened_after_the_first_axis():
    w = orthogonal((8, 3, 3, 2), rng=2)           # 8 rows, 18 columns: wide
    m = w.reshape(8, -1)
    np.testing.assert_allclose(m @ m.T, np.eye(8), atol=1e-12)


def test_reproducible_from_a_seed_and_a_generator():
    np.testing.assert_array_equal(orthogonal((10, 6), rng=3), orthogonal((10, 6), rng=3))
    a = orthogonal((10, 6), rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, orthogonal((10, 6), rng=3))
    assert not np.array_equal(orthogonal((10, 6), rng=3), orthogonal((10, 6), rng=4))


def test_sign_correction_makes_r_diagonal_positive():
    # Q R with R's diagonal > 0 is the unique QR factorization, so the draw is Haar:
    # the first column's first entry is then positive and negative equally often.
    signs = [np.sign(orthogonal((5, 5), rng=k)[0, 0]) for k in range(400)]
    assert 0.4 < np.mean(np.array(signs) > 0) < 0.6
    # and the matrix equals the Q of its own Gaussian draw with positive-diagonal R
    g = np.random.default_rng(5).standard_normal((6, 4))
    q, r = np.linalg.qr(g)
    np.testing.assert_allclose(orthogonal((6, 4), rng=5), q * np.sign(np.diag(r)), atol=1e-14)


def test_dtype_float32():
    w = orthogonal((16, 16), rng=0, dtype=np.float32)
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.T @ w, np.eye(16), atol=1e-5)


@pytest.mark.parametrize("shape", [(5,), 5, ()])
def test_fewer_than_two_dimensions_is_refused(shape):
    with pytest.raises(ValueError, match="shape"):
        orthogonal(shape, rng=0)


@pytest.mark.parametrize("gain", [0.0, -1.0, float("inf"), float("nan")])
def test_bad_gain_is_refused(gain):
    with pytest.raises(ValueError, match="gain"):
        orthogonal((4, 4), gain=gain, rng=0)


def test_bad_dtype_and_rng_are_refused():
    with pytest.raises(ValueError, match="dtype"):
        orthogonal((4, 4), rng=0, dtype=np.int64)
    with pytest.raises(TypeError, match="rng"):
        orthogonal((4, 4), rng="seed")
