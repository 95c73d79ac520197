"""The live edition's product path (course_utils._wasm), checked in CPython.

In the browser it replaces ``@`` on large float arrays by einsum; here the same
function is called directly and compared with ``@`` (BLAS sums in another order,
so the comparison allows rounding: rtol 1e-12 in float64, 1e-5 in float32).
"""

import ast
import builtins

import numpy as np
import pytest

from course_utils import _wasm


@pytest.mark.parametrize("shape_a, shape_b", [((256, 512), (512, 64)), ((3, 200, 24), (3, 24, 64)),
                                              ((5, 64, 128), (128, 32)), ((64, 256), (1, 256, 16))])
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_einsum_matmul_is_matmul(shape_a, shape_b, dtype, rtol):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shape_a).astype(dtype), rng.standard_normal(shape_b).astype(dtype)
    assert a.shape[-2] * a.shape[-1] * b.shape[-1] >= _wasm.EINSUM_FROM or a.size < 20_000
    out = _wasm.einsum_matmul(a, b)
    expected = a @ b
    assert out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


def test_small_mixed_and_non_array_operands_fall_back_to_matmul():
    a = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(_wasm.einsum_matmul(a, a.T), a @ a.T)                       # small
    big = np.ones((64, 64, 64), dtype=np.float32)
    assert _wasm.einsum_matmul(big, big.astype(np.float64)).dtype == np.float64      # mixed: @
    ints = np.ones((100, 100, 100), dtype=np.int64)
    assert _wasm.einsum_matmul(ints, ints).dtype == np.int64                          # not float
    v = np.ones(3)
    assert _wasm.einsum_matmul(v, v) == 3.0                                           # vectors


def test_mismatched_shapes_raise_what_matmul_raises():
    a, b = np.ones((256, 512)), np.ones((256, 512))
    with pytest.raises(ValueError, match="matmul"):
        _wasm.einsum_matmul(a, b)


def test_off_the_browser_nothing_changes():
    assert not _wasm.IN_BROWSER and _wasm.matmul(np.eye(2), np.eye(2)).tolist() == [[1, 0], [0, 1]]
    assert _wasm.install_in_ipython() is False          # no shell given, not in the browser


def test_the_cell_transformer_sends_matmul_through_the_hook(monkeypatch):
    calls = []

    def hook(a, b):
        calls.append((np.shape(a), np.shape(b)))
        return _wasm.einsum_matmul(a, b)

    monkeypatch.setattr(builtins, "__initlab_matmul__", hook, raising=False)
    source = "import numpy as np\nx = np.ones((2, 3)) @ np.ones((3, 4)) @ np.ones((4, 1))\ny = 2 * 3"
    tree = ast.fix_missing_locations(_wasm.MatMulToCall().visit(ast.parse(source)))
    namespace = {}
    exec(compile(tree, "<cell>", "exec"), namespace)
    assert calls == [((2, 3), (3, 4)), ((2, 4), (4, 1))]
    assert namespace["x"].tolist() == [[12.0], [12.0]] and namespace["y"] == 6


def test_install_in_ipython_adds_one_transformer():
    class Shell:
        ast_transformers: list = []

    shell = Shell()
    shell.ast_transformers = []
    assert _wasm.install_in_ipython(shell) is True
    assert _wasm.install_in_ipython(shell) is False
    assert len(shell.ast_transformers) == 1
