"""cu.setup_notebook() puts numpy's BLAS on one thread, unless the learner chose a number;
importing course_utils alone changes nothing.

Each case runs in a fresh interpreter: the limit is process-wide.
"""

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("threadpoolctl")

SETUP = "import course_utils; course_utils.setup_notebook()\n"
PROBE = ("import json, course_utils, threadpoolctl\n"
         "print(json.dumps([i['num_threads'] for i in threadpoolctl.threadpool_info()"
         " if i['user_api'] == 'blas']))\n")


def _blas_threads(setup=True, **env) -> list:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("INITLAB_BLAS_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                          "MKL_NUM_THREADS")}
    result = subprocess.run([sys.executable, "-c", (SETUP if setup else "") + PROBE], capture_output=True, text=True,
                            env={**clean, **env}, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_setup_notebook_limits_blas_to_one_thread():
    threads = _blas_threads()
    assert threads and set(threads) == {1}


def test_import_alone_leaves_blas_alone():
    # OpenBLAS starts one thread per core: the import must not have changed that.
    assert set(_blas_threads(setup=False)) == {os.cpu_count() or 1}


def test_a_learners_own_setting_is_left_alone():
    # numpy's OpenBLAS reads OPENBLAS_NUM_THREADS at load: 2 stays 2 (the machine has >= 2
    # cores in CI; on one core OpenBLAS itself caps it at 1).
    expected = min(2, os.cpu_count() or 1)
    assert set(_blas_threads(OPENBLAS_NUM_THREADS="2")) == {expected}


def test_initlab_blas_threads_chooses_the_number_and_rejects_nonsense():
    expected = min(2, os.cpu_count() or 1)
    assert set(_blas_threads(INITLAB_BLAS_THREADS="2")) == {expected}
    result = subprocess.run([sys.executable, "-c", SETUP], capture_output=True,
                            text=True, env={**os.environ, "INITLAB_BLAS_THREADS": "0"},
                            timeout=120, check=False)
    assert result.returncode != 0
    assert "INITLAB_BLAS_THREADS must be a positive integer, got '0'" in result.stderr
