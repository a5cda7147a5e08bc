"""Shared test settings: the backend in use, seeds, and the one tolerance table."""

from __future__ import annotations

import os
import shutil
import tempfile

from tests.xla_flags import with_suite_flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# XLA's flags for the suite, unless XLA_FLAGS already sets them (their reasons: tests/xla_flags.py).
os.environ["XLA_FLAGS"] = with_suite_flags(os.environ.get("XLA_FLAGS", ""))

# One persistent jax compilation cache per run, every program in it however small: `--dist
# loadgroup` spreads a test's parametrizations over both workers, which can then compile the same
# programs (op by op, on jax's eager path) for the same shapes; hits between the workers were not
# counted, and the jax suite's gain was 16-56 s in two pairs of runs (CHANGELOG). Made by the process that
# starts the run (before the xdist workers, which inherit it, as do the processes tests start),
# and removed when that process ends; a JAX_COMPILATION_CACHE_DIR already set is left alone.
_JAX_CACHE = None
if "JAX_COMPILATION_CACHE_DIR" not in os.environ and not os.environ.get("PYTEST_XDIST_WORKER"):
    _JAX_CACHE = tempfile.mkdtemp(prefix="imagelosses-jax-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _JAX_CACHE
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

BACKEND = keras.backend.backend()

# Under xdist, torch gets the worker's share of the cores as intra-op threads (1 each for `make
# test`'s 2 workers on 2 cores). With torch's default (every core) in each worker, its OpenMP
# threads contend: the CI-sized bake-off took 695 s in a `make test` run, and alone beside one
# busy process 118 s with 2 threads against 49 s with 1
# (`pytest tests/cli/test_bakeoff_training.py -k rare_classes`).
if BACKEND == "torch" and os.environ.get("PYTEST_XDIST_WORKER"):
    import torch

    _workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // _workers))

# One tolerance table keyed by the input dtype. float32 compute against float64 references.
TOLERANCES = {
    "float32": {"rtol": 1e-5, "atol": 1e-6},
    "float16": {"rtol": 1e-3, "atol": 1e-3},
    "bfloat16": {"rtol": 1e-2, "atol": 1e-2},
}


def assert_close(actual, expected, dtype="float32", **overrides):
    tolerance = {**TOLERANCES[dtype], **overrides}
    np.testing.assert_allclose(to_numpy(actual), np.asarray(expected, np.float64), **tolerance)


def to_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


# The longest single items of `make test`, started first, so that neither is left for the end
# while the other worker has run out of tests (the multi-device test, about 150 s; the CI-sized
# bake-off, 46-85 s, shared by the tests of its `xdist_group`, which `--dist loadgroup` keeps on
# one worker). A precaution from the per-test times (654 test-seconds in 376 s on tensorflow):
# its effect on the wall time was not isolated from the other changes made with it.
LONGEST_FIRST = ("tests/reliability/test_multi_device.py::", "ci_run")


def _starts_early(item) -> bool:
    group = item.get_closest_marker("xdist_group")
    return item.nodeid.startswith(LONGEST_FIRST[0]) or (group is not None and LONGEST_FIRST[1] in group.args)


def pytest_unconfigure(config):
    if _JAX_CACHE is not None:
        shutil.rmtree(_JAX_CACHE, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not _starts_early(item))  # stable: the rest keeps its order


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    keras.utils.set_random_seed(7)
    keras.config.set_image_data_format("channels_last")
    yield
    keras.mixed_precision.set_global_policy("float32")
    keras.config.set_image_data_format("channels_last")


def compiled(fn):
    """`jax.jit(fn)` on jax, where op-by-op eager execution compiles every op for every shape."""
    if BACKEND == "jax":
        import jax

        return jax.jit(fn)
    return fn


def gradient(fn, x, jit=False):
    """d(sum(fn(x)))/dx as float64 numpy, through the active backend's autodiff."""
    x = np.asarray(x, np.float32)
    if BACKEND == "jax":
        import jax

        grad = jax.grad(lambda v: keras.ops.sum(fn(v)))
        return np.asarray((jax.jit(grad) if jit else grad)(x), np.float64)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        v = tf.Variable(x)
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(fn(v))
        return tape.gradient(total, v).numpy().astype(np.float64)
    import torch

    v = torch.tensor(x, requires_grad=True)
    torch.sum(fn(v)).backward()
    return v.grad.numpy().astype(np.float64)


def value_and_gradient(fn, x):
    """`fn(x)` and d(sum(fn(x)))/dx as float64 numpy; on jax one compiled program computes both
    (one compile per shape instead of two)."""
    if BACKEND != "jax":
        return to_numpy(fn(x)), gradient(fn, x)
    import jax

    def total(v):
        values = fn(v)
        return keras.ops.sum(values), values

    (_, values), grad = jax.jit(jax.value_and_grad(total, has_aux=True))(np.asarray(x, np.float32))
    return to_numpy(values), np.asarray(grad, np.float64)
