"""`cli/_compiled.py`: the CLI's scores run compiled, with the eager values, built once per shape."""

import numpy as np
import pytest

import imagelosses
from imagelosses.cli import _compiled
from tests.conftest import BACKEND, assert_close

LAST = "channels_last"
TWO_SCALES = dict(power_factors=(0.4, 0.6), filter_size=5, filter_sigma=1.0)
SCORES = {
    "ssim": (imagelosses.ssim, dict(max_val=1.0, data_format=LAST)),
    "ms_ssim": (imagelosses.ms_ssim, dict(max_val=1.0, data_format=LAST, **TWO_SCALES)),
    "psnr": (imagelosses.psnr, dict(max_val=1.0, data_format=LAST)),
    "sobel_mae": (imagelosses.sobel_loss, dict(distance="mae", data_format=LAST)),
}


# Off jax, `call` runs the function itself (eagerly): compiled and eager would be one call.
JAX_ONLY = pytest.mark.skipif(
    BACKEND != "jax", reason="the CLI compiles on jax only; elsewhere call() is the eager function itself"
)


def _pair(rng, shape=(2, 24, 24, 3)):
    x = rng.random(shape).astype(np.float32)
    return x, np.clip(x + rng.normal(0, 0.1, shape), 0, 1).astype(np.float32)


@JAX_ONLY
@pytest.mark.parametrize("name", list(SCORES))
def test_compiled_scores_equal_the_eager_functions(name, rng):
    fn, options = SCORES[name]
    y_true, y_pred = _pair(rng)
    assert_close(_compiled.call(fn, y_true, y_pred, **options), fn(y_true, y_pred, **options))


@JAX_ONLY
def test_compiled_hausdorff_distance_equals_the_eager_function(rng):
    labels = (rng.random((2, 16, 16)) > 0.6).astype(np.int32)
    scores = rng.random((2, 16, 16, 2)).astype(np.float32)
    options = dict(percentile=95, include_background=False, data_format=LAST)
    expected = imagelosses.hausdorff_distance(labels, scores, **options)
    assert_close(_compiled.call(imagelosses.hausdorff_distance, labels, scores, **options), expected)


def test_one_compiled_function_per_function_options_and_shape(rng, monkeypatch):
    monkeypatch.setattr(_compiled, "_cache", {})
    built = []
    monkeypatch.setattr(_compiled, "compiled", lambda fn, **o: built.append(o) or (lambda *a: fn(*a, **o)))
    psnr = imagelosses.psnr
    for _ in range(2):
        _compiled.call(psnr, *_pair(rng), max_val=1.0, data_format=LAST)
    _compiled.call(psnr, *_pair(rng, (1, 24, 24, 3)), max_val=1.0, data_format=LAST)  # a new shape
    _compiled.call(psnr, *_pair(rng), max_val=2.0, data_format=LAST)  # new options
    assert len(built) == 3 and len(_compiled._cache) == 3


def test_a_value_error_of_the_function_comes_out_as_it_is(rng):
    y_true, y_pred = _pair(rng, (1, 32, 32, 3))  # five scales need 161 pixels a side
    with pytest.raises(ValueError, match="too small"):
        _compiled.call(imagelosses.ms_ssim, y_true, y_pred, max_val=1.0, data_format=LAST)
