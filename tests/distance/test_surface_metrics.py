"""Surface metrics against MONAI 1.6 (`compute_hausdorff_distance`, ...) and DeepMind's surface-distance."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from keras import ops

import imagelosses
from imagelosses.metrics import surface
from tests.conftest import BACKEND, compiled, to_numpy
from tests.reference.distance import blob_labels, one_hot_channels_first

monai_metrics = pytest.importorskip("monai.metrics")
torch = pytest.importorskip("torch")

TOL = {"rtol": 1e-6, "atol": 1e-5}
K = 3


def _monai(name, truth, pred, k=K, **kwargs):
    fn = {
        "hd": monai_metrics.compute_hausdorff_distance,
        "asd": monai_metrics.compute_average_surface_distance,
        "nsd": monai_metrics.compute_surface_dice,
    }[name]
    as_tensor = lambda labels: torch.tensor(one_hot_channels_first(labels, k))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MONAI warns on every empty class
        return fn(as_tensor(pred), as_tensor(truth), **kwargs).numpy().astype(np.float64)


def _run(fn, *args, **kwargs):
    """`fn(*args, **kwargs)`, compiled on jax (op-by-op eager jax compiles every op)."""
    return compiled(lambda *tensors: fn(*tensors, **kwargs))(*args)


def _assert_same(actual, expected):
    actual = to_numpy(actual)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(actual), np.isposinf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(actual[finite], expected[finite], **TOL)


@pytest.fixture(scope="module")
def pair_2d():
    rng = np.random.default_rng(5)
    truth, pred = blob_labels(rng, (3, 26, 30), K), blob_labels(rng, (3, 26, 30), K)
    truth[0][truth[0] == 2] = 0  # class 2 absent from the truth of image 0
    pred[1][pred[1] == 1] = 2  # class 1 absent from the prediction of image 1
    truth[2][truth[2] == 1] = 0
    pred[2][pred[2] == 1] = 0  # class 1 absent from both in image 2
    return truth, pred


@pytest.fixture(scope="module")
def pair_3d():
    rng = np.random.default_rng(6)
    return blob_labels(rng, (2, 10, 12, 14), K), blob_labels(rng, (2, 10, 12, 14), K)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"percentile": 95},
        {"directed": True},
        {"percentile": 37.5, "directed": True},
    ],
)
def test_hausdorff_2d_equals_monai(pair_2d, options):
    truth, pred = pair_2d
    fn = compiled(
        lambda t, p: imagelosses.hausdorff_distance(t, p, num_classes=K, spacing=(1.0, 1.7), **options)
    )
    _assert_same(fn(truth, pred), _monai("hd", truth, pred, spacing=[1.0, 1.7], **options))


@pytest.mark.parametrize("symmetric", [False, True])
def test_average_surface_distance_2d_equals_monai(pair_2d, symmetric):
    truth, pred = pair_2d
    fn = compiled(
        lambda t, p: imagelosses.average_surface_distance(
            t, p, num_classes=K, spacing=0.8, symmetric=symmetric
        )
    )
    _assert_same(fn(truth, pred), _monai("asd", truth, pred, spacing=0.8, symmetric=symmetric))


def test_surface_dice_2d_equals_monai(pair_2d):
    truth, pred = pair_2d
    fn = compiled(
        lambda t, p: imagelosses.surface_dice(t, p, tolerance=[1.0, 2.5], num_classes=K, spacing=(1.3, 0.9))
    )
    _assert_same(fn(truth, pred), _monai("nsd", truth, pred, class_thresholds=[1.0, 2.5], spacing=[1.3, 0.9]))


def test_3d_anisotropic_equals_monai(pair_3d):
    truth, pred = pair_3d
    spacing = (2.0, 0.7, 1.1)

    def all_three(t, p):
        common = dict(num_classes=K, spacing=spacing, include_background=True, spatial_dims=3)
        return (
            imagelosses.hausdorff_distance(t, p, percentile=95, **common),
            imagelosses.average_surface_distance(t, p, symmetric=True, **common),
            imagelosses.surface_dice(t, p, tolerance=1.5, **common),
        )

    hd95, assd, nsd = compiled(all_three)(truth, pred)
    common = dict(spacing=list(spacing), include_background=True)
    _assert_same(hd95, _monai("hd", truth, pred, percentile=95, **common))
    _assert_same(assd, _monai("asd", truth, pred, symmetric=True, **common))
    _assert_same(nsd, _monai("nsd", truth, pred, class_thresholds=[1.5] * K, **common))


def test_empty_masks_follow_monai_table():
    truth = np.zeros((3, 9, 9), np.int32)
    pred = np.zeros((3, 9, 9), np.int32)
    truth[1, 2:5, 2:6] = 1  # image 0: both empty; 1: prediction empty; 2: truth empty
    pred[2, 4:7, 1:4] = 1
    cases = [
        ("hd", surface.hausdorff_distance, {}),
        ("hd", surface.hausdorff_distance, {"percentile": 95}),
        ("hd", surface.hausdorff_distance, {"directed": True}),
        ("asd", surface.average_surface_distance, {"symmetric": True}),
        ("asd", surface.average_surface_distance, {}),
        ("nsd", surface.surface_dice, {"tolerance": 1.0}),
    ]
    got = compiled(lambda t, p: [fn(t, p, num_classes=2, **kw) for _, fn, kw in cases])(truth, pred)
    for (name, _, kwargs), value in zip(cases, got):
        if name == "nsd":
            kwargs = {"class_thresholds": [kwargs["tolerance"]]}
        _assert_same(value, _monai(name, truth, pred, k=2, **kwargs))
    values = to_numpy(got[0])[:, 0]
    assert np.isnan(values[0]) and np.isposinf(values[1]) and np.isposinf(values[2])


def test_input_forms_agree(pair_2d, rng):
    """Integer maps, one-hot labels with scores, channels_first, and the binary K = 1 case."""
    truth, pred = pair_2d
    scores = np.eye(K)[pred] + 0.1 * rng.random(pred.shape + (K,))  # argmax is `pred`
    one_hot = np.eye(K)[truth]
    hd = surface.hausdorff_distance

    def forms(truth, pred, one_hot, scores):
        return [
            hd(truth, pred, num_classes=K, percentile=90),
            hd(one_hot, scores, percentile=90),
            hd(
                ops.moveaxis(one_hot, -1, 1),
                ops.moveaxis(scores, -1, 1),
                percentile=90,
                data_format="channels_first",
            ),
            hd(truth[..., None], pred[..., None], num_classes=K, percentile=90),
            # K = 1: foreground probabilities thresholded at 0.5 give the class-1 column
            hd(
                ops.cast(truth == 1, "float32")[..., None],
                0.7 * ops.cast(pred == 1, "float32")[..., None],
                percentile=90,
            ),
        ]

    expected, *others, binary = [to_numpy(v) for v in compiled(forms)(truth, pred, one_hot, scores)]
    for value in others:
        np.testing.assert_allclose(value, expected)
    np.testing.assert_allclose(binary[:, 0], expected[:, 0])


def test_include_background_adds_class_zero(pair_2d):
    truth, pred = pair_2d
    asd = surface.average_surface_distance
    with_bg, without = compiled(
        lambda t, p: (asd(t, p, num_classes=K, include_background=True), asd(t, p, num_classes=K))
    )(truth, pred)
    with_bg, without = to_numpy(with_bg), to_numpy(without)
    assert with_bg.shape == (3, K) and without.shape == (3, K - 1)
    np.testing.assert_array_equal(with_bg[:, 1:], without)


def test_jit_with_unknown_batch(pair_2d):
    truth, pred = pair_2d
    expected = _monai("hd", truth, pred, percentile=95)
    fn = lambda t, p: surface.hausdorff_distance(t, p, num_classes=K, percentile=95)  # noqa: E731
    if BACKEND == "tensorflow":
        import tensorflow as tf

        spec = tf.TensorSpec((None, 26, 30), tf.int32)
        fn = tf.function(fn, input_signature=[spec, spec], jit_compile=True)
    else:
        fn = compiled(fn)
    _assert_same(fn(truth, pred), expected)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"percentile": 101}, ValueError, "percentile"),
        ({"percentile": "95"}, TypeError, "percentile"),
        ({"directed": 1}, TypeError, "directed"),
        ({"num_classes": 1}, ValueError, "num_classes"),
        ({"num_classes": 4}, ValueError, "num_classes"),
        ({"spacing": (1.0, 2.0, 3.0)}, ValueError, "spacing"),
    ],
)
def test_bad_options(kwargs, error, match):
    scores = np.zeros((1, 6, 6, 3), np.float32)
    with pytest.raises(error, match=match):
        surface.hausdorff_distance(np.zeros((1, 6, 6), np.int32), scores, **kwargs)


def test_bad_tolerance_and_shapes():
    labels = np.zeros((1, 6, 6), np.int32)
    with pytest.raises(ValueError, match="tolerance"):
        surface.surface_dice(labels, labels, num_classes=3, tolerance=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="tolerance"):
        surface.surface_dice(labels, labels, num_classes=3, tolerance=-1.0)
    with pytest.raises(ValueError, match="y_true"):
        surface.surface_dice(np.zeros((1, 5, 6), np.int32), labels, num_classes=3, tolerance=1.0)


def test_surface_dice_where_deepmind_agrees():
    """DeepMind's surface-distance (0.1) places surfels between pixels and weighs them by area.

    It agrees with the pixel-count NSD on identical masks (1), on masks farther apart than the
    tolerance (0) and with a tolerance beyond every distance (1); elsewhere the two differ.
    """
    sd = pytest.importorskip("surface_distance")
    a = np.zeros((1, 20, 24), np.int32)
    a[0, 3:9, 4:12] = 1
    b = np.zeros_like(a)
    b[0, 12:18, 14:22] = 1
    cases = [(a, a, 0.0), (a, b, 2.0), (a, b, 40.0), (a, a | b, 40.0)]
    got = compiled(
        lambda: [surface.surface_dice(t, p, num_classes=2, tolerance=tol) for t, p, tol in cases]
    )()
    for (truth, pred, tol), value in zip(cases, got):
        distances = sd.compute_surface_distances(truth[0] > 0, pred[0] > 0, (1.0, 1.0))
        expected = sd.compute_surface_dice_at_tolerance(distances, tol)
        np.testing.assert_allclose(to_numpy(value)[0, 0], expected, atol=1e-6)


@pytest.mark.skipif(BACKEND != "torch", reason="torch_rank_value is eager torch's fast path")
def test_torch_sorted_rank_equals_the_bisection(rng, monkeypatch):
    """Bit patterns with ties, inf and rows without a surface pixel (every entry above inf):
    one sort per row gives the bisection's value and numpy's sorted value at every rank."""
    values = rng.choice(np.float32([0.0, 1.0, 1.5, np.sqrt(2.0), 7.25, np.inf]), size=(3, 6, 5, 2))
    surface_pixels = rng.random(values.shape) < 0.6
    surface_pixels[1, ..., 0] = False  # no surface: the bisection stops at the bits of inf
    bits = np.where(surface_pixels, values.view(np.int32), np.int32(0x7FFFFFFF))
    count = surface_pixels.sum(axis=(1, 2), keepdims=True)
    axes = (1, 2)
    for q in (0.0, 0.37, 0.95, 1.0):
        rank = np.floor(q * np.maximum(count - 1, 0)).astype(np.int32)
        fast = to_numpy(surface._rank_value(torch.tensor(bits), torch.tensor(rank), axes))
        with monkeypatch.context() as patch:
            patch.setattr(surface, "torch_eager", lambda: False)
            bisected = to_numpy(surface._rank_value(torch.tensor(bits), torch.tensor(rank), axes))
        np.testing.assert_array_equal(fast, bisected)
        assert fast.shape == rank.shape
        # numpy: the rank-th smallest bit pattern of each row, at most the bits of inf
        rows = np.moveaxis(bits, -1, 1).reshape(3, 2, -1)
        expected = np.take_along_axis(np.sort(rows, axis=-1), np.moveaxis(rank, -1, 1).reshape(3, 2, 1), -1)
        expected = np.minimum(expected, 0x7F800000).reshape(3, 2)
        np.testing.assert_array_equal(fast[:, 0, 0, :], expected)
    assert np.all(fast[1, ..., 0] == 0x7F800000)
