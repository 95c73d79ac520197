"""One BLAS thread for the course's small matrix products (set by ``cu.setup_notebook()``).

The course multiplies small matrices: at most a few hundred units wide, a
batch of at most a few hundred examples. On products this size a
multithreaded BLAS (numpy's bundled OpenBLAS starts one thread per core)
spends more time handing work to its threads, and spinning while it waits
for the next product, than multiplying. On the course's 2-core test machine
notebook 04's cells took 1.55 s of CPU on one thread against 4.05 s on two
(wall 2.4 s against 6.4 s, with other work on the machine), and 03's 2.2 s
against 5.2 s. The notebooks' stored outputs are the same either way (strict
nbval compares them); some float64 products differ in their last bits between
one and two threads (OpenBLAS splits the sums differently), which no printed
number shows.

So :func:`course_utils.setup_notebook` limits BLAS to one thread, through
`threadpoolctl <https://github.com/joblib/threadpoolctl>`_ (the tool
scikit-learn uses for the same purpose). It leaves the setting alone when
the learner chose one (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS`` or ``INITLAB_BLAS_THREADS`` set), and does nothing where
threadpoolctl is missing (the live edition's WebAssembly has no threads).
"""

from __future__ import annotations

import os

from .settings import setting

_CHOICES = ("INITLAB_BLAS_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_limits = None


def limit_blas_threads() -> int | None:
    """Limit BLAS to one thread unless the environment chose a number; return the limit set.

    ``INITLAB_BLAS_THREADS=n`` asks for ``n`` threads instead. Returns ``None``
    when nothing was changed (a BLAS variable is set, or threadpoolctl is missing).

    Examples:
        >>> from course_utils._blas import limit_blas_threads
        >>> limit_blas_threads() in (1, None)
        True
    """
    global _limits
    chosen = setting("INITLAB_BLAS_THREADS")
    if chosen is None and any(os.environ.get(name) for name in _CHOICES[1:]):
        return None
    threads = 1 if chosen is None else chosen
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    # Called, not used as a context manager: the limit stays for the whole session.
    _limits = threadpool_limits(limits=threads, user_api="blas")
    return threads
