"""Matrix products in the live edition (Pyodide, WebAssembly): einsum instead of the ``@`` fallback.

The live edition's numpy is built without a BLAS library, so ``a @ b`` runs
numpy's fallback loop, which walks the second matrix column by column and is
slow on the course's shapes; ``np.einsum("...ij,...jk->...ik", a, b)``, which
sums in the same order, was 4-5 times faster there on them. In Pyodide 0.27
(numpy 2.0.2) notebook 04's products took 9.2 s of a 15.3 s Run All with
``@`` and 2.0 s with einsum; 06's 6.5 s and 3.7 s (measured under node with
the site's own Pyodide, cells as the JupyterLite kernel runs them).

So in the browser (``sys.platform == "emscripten"``), and only there:

* :func:`matmul` is what course_utils' own products call: einsum for float
  arrays of the same dtype, two or more dimensions, and at least 2**17
  multiply-adds per matrix (below that einsum's set-up costs more than it
  saves); ``a @ b`` for everything else.
* importing course_utils asks IPython to send the notebook cells' ``a @ b``
  through the same function (an AST transformer: the cell's text is not
  changed, only how the kernel evaluates it).

Everywhere else :func:`matmul` is :func:`operator.matmul` (``a @ b``, with
the BLAS that numpy brings) and nothing is installed.
"""

from __future__ import annotations

import ast
import builtins
import operator
import sys

import numpy as np

IN_BROWSER = sys.platform == "emscripten"
#: Multiply-adds per matrix from which einsum beats the fallback loop in Pyodide.
EINSUM_FROM = 2 ** 17
_HOOK = "__initlab_matmul__"


def einsum_matmul(a, b):
    """``a @ b``, computed with :func:`numpy.einsum` when that is faster without a BLAS.

    Examples:
        >>> a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
        >>> bool(np.array_equal(einsum_matmul(a, b), a @ b))
        True
    """
    if (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.ndim >= 2 and b.ndim >= 2
            and a.dtype == b.dtype and a.dtype.kind == "f"
            and a.shape[-2] * a.shape[-1] * b.shape[-1] >= EINSUM_FROM):
        if a.shape[-1] != b.shape[-2]:       # the same error text as @ would give
            return a @ b
        return np.einsum("...ij,...jk->...ik", a, b)
    return a @ b


#: The product course_utils uses internally: einsum_matmul in the browser, ``@`` elsewhere.
matmul = einsum_matmul if IN_BROWSER else operator.matmul


class MatMulToCall(ast.NodeTransformer):
    """Rewrite ``x @ y`` as ``__initlab_matmul__(x, y)`` (an IPython AST transformer)."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.MatMult):
            call = ast.Call(func=ast.Name(_HOOK, ast.Load()), args=[node.left, node.right],
                            keywords=[])
            return ast.copy_location(call, node)
        return node


def install_in_ipython(shell=None) -> bool:
    """In the browser, route the IPython cells' ``@`` through :func:`einsum_matmul`.

    Returns whether it installed (once per shell). Off the browser it does nothing
    unless a ``shell`` is passed explicitly (the tests do).
    """
    if shell is None:
        if not IN_BROWSER:
            return False
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
        if shell is None:
            return False
    if any(isinstance(t, MatMulToCall) for t in shell.ast_transformers):
        return False
    setattr(builtins, _HOOK, einsum_matmul)      # builtins: survives %reset of the namespace
    shell.ast_transformers.append(MatMulToCall())
    return True
