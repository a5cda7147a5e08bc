"""The soft counts' jax path (summed axes moved last) against the portable sums, and float64."""

from __future__ import annotations

import numpy as np
import pytest

from imagelosses.losses import _counts, _labels
from tests.conftest import BACKEND, compiled, gradient, to_numpy

SHAPES = {  # y_pred shape, layout options
    "2d": ((3, 9, 11, 4), {}),
    "3d": ((2, 5, 6, 7, 3), {}),
    "sequence": ((2, 3, 6, 5, 3), {"spatial_dims": 2}),
    "channels_first": ((3, 4, 9, 11), {"data_format": "channels_first"}),
}


def _inputs(rng, shape, options):
    channel = 1 if options.get("data_format") == "channels_first" else -1
    k = shape[channel]
    labels = rng.integers(0, k + 1, size=np.delete(shape, channel % len(shape)))  # k: void
    probabilities = rng.random(shape).astype("float32")
    probabilities /= probabilities.sum(axis=channel, keepdims=True)
    return labels.astype("int32"), probabilities, k


def _counts_of(labels, probabilities, k, options, per_image):
    def fn(p):
        seg = _labels.prepare(labels, p, ignore_class=k, **options)
        c = _counts.soft_counts(seg, per_image)
        return [c.tp, c.fp, c.fn, _counts.pixel_sum(p_sq(seg), seg, per_image)]

    return fn


def p_sq(seg):
    return seg.pred * seg.pred


@pytest.mark.parametrize("per_image", [True, False])
@pytest.mark.parametrize("dims", list(SHAPES))
def test_counts_equal_float64_sums(dims, per_image, rng):
    shape, options = SHAPES[dims]
    labels, probabilities, k = _inputs(rng, shape, options)
    got = [
        to_numpy(v) for v in compiled(_counts_of(labels, probabilities, k, options, per_image))(probabilities)
    ]
    # float64 reference: channels last, void pixels (label k) out of every sum
    p = np.moveaxis(probabilities, 1, -1) if options.get("data_format") else probabilities
    p = p.astype(np.float64)
    t = np.eye(k + 1)[labels][..., :k]
    valid = (labels < k)[..., None]
    axes = tuple(range(1 if per_image else 0, p.ndim - 1))
    if dims == "sequence" and per_image:
        axes = tuple(range(2, p.ndim - 1))
    tp = np.sum(valid * p * t, axis=axes)
    want = [
        tp,
        np.sum(valid * p, axis=axes) - tp,
        np.sum(t * valid, axis=axes) - tp,
        np.sum(valid * p * p, axis=axes),
    ]
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, np.maximum(w, 0.0), rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(BACKEND != "jax", reason="the summed-axes-last path is jax's (_counts.SUMMED_AXES_LAST)")
@pytest.mark.parametrize("dims", list(SHAPES))
def test_jax_path_equals_the_portable_sums_in_value_and_gradient(dims, rng, monkeypatch):
    shape, options = SHAPES[dims]
    labels, probabilities, k = _inputs(rng, shape, options)
    weights = rng.random(4)
    results = []
    for moved in (True, False):
        monkeypatch.setitem(_counts.SUMMED_AXES_LAST, "jax", moved)
        fn = _counts_of(labels, probabilities, k, options, True)
        values = [to_numpy(v) for v in compiled(fn)(probabilities)]
        grad = gradient(
            lambda p, fn=fn: sum(w * v.sum() for w, v in zip(weights, fn(p))), probabilities, jit=True
        )
        results.append((values, grad))
    (fast, fast_grad), (portable, portable_grad) = results
    for f, p in zip(fast, portable):
        np.testing.assert_allclose(f, p, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fast_grad, portable_grad, rtol=1e-6, atol=1e-6)
