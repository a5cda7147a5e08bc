"""Results that used to be silently wrong: now a NaN, an error, or a defined value.

Out-of-range labels under jit (NaN for the sample), size-1 spatial axes in the gradient losses,
uint8 images with `max_val=1`, logits given as probabilities, SSIM with zero constants on flat
images, infinite inputs to the edge losses, and Charbonnier's gradient for a tiny epsilon.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import imagelosses as il
from tests.conftest import BACKEND, gradient, to_numpy


def _jit(fn):
    """The function as `fit` compiles it: XLA on tensorflow, `jax.jit` on jax."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=True)
    import jax

    return jax.jit(fn)


@pytest.mark.skipif(
    BACKEND == "torch",
    reason="torch's fit runs eagerly here: the labels are "
    "concrete and raise (tests/reliability/bad_inputs.py)",
)
@pytest.mark.parametrize("loss", ["dice_loss", "cross_entropy_loss", "lovasz_softmax_loss"])
def test_out_of_range_labels_under_jit_make_that_sample_nan(loss):
    fn = getattr(il, loss)
    mask = np.zeros((2, 8, 8, 1), np.float32)
    mask[0, 3, 3, 0] = 255.0  # a 0-255 mask where 0-1 labels were expected
    p = np.random.default_rng(0).random((2, 8, 8, 1)).astype(np.float32)
    values = to_numpy(_jit(lambda a, b: fn(a, b))(mask, p))
    assert np.isnan(values[0]) and np.isfinite(values[1])
    labels = np.zeros((2, 8, 8), np.int32)
    labels[1, 0, 0] = 5  # class 5 of 3
    probabilities = np.full((2, 8, 8, 3), 1.0 / 3.0, np.float32)
    values = to_numpy(_jit(lambda a, b: fn(a, b))(labels, probabilities))
    assert np.isfinite(values[0]) and np.isnan(values[1])


def test_ignored_labels_under_jit_stay_finite():
    labels = np.zeros((1, 8, 8), np.int32)
    labels[0, :2] = 255
    probabilities = np.full((1, 8, 8, 3), 1.0 / 3.0, np.float32)
    if BACKEND == "torch":
        pytest.skip("torch runs eagerly here")
    value = to_numpy(_jit(lambda a, b: il.dice_loss(a, b, ignore_class=255))(labels, probabilities))
    assert np.all(np.isfinite(value))


@pytest.mark.parametrize("shape", [(2, 1, 9, 1), (2, 7, 1, 2)], ids=["height_1", "width_1"])
def test_gradient_difference_loss_scores_an_axis_of_size_1_as_0(rng, shape):
    y_true, y_pred = rng.random(shape), rng.random(shape)
    # the float64 reference along the one axis that has differences (the other adds nothing)
    axis = 2 if shape[1] == 1 else 1
    gap = np.abs(np.abs(np.diff(y_true, axis=axis)) - np.abs(np.diff(y_pred, axis=axis)))
    np.testing.assert_allclose(
        to_numpy(il.gradient_difference_loss(y_true, y_pred)),
        gap.reshape(shape[0], -1).mean(axis=1),
        rtol=1e-5,
        atol=1e-6,
    )
    assert np.all(np.isfinite(gradient(lambda v: il.gradient_difference_loss(y_true, v), y_pred)))


def test_a_single_pixel_scores_0_in_both_difference_losses():
    x = np.ones((1, 1, 1, 1), np.float32)
    assert to_numpy(il.total_variation_loss(x, x)).tolist() == [0.0]
    assert to_numpy(il.gradient_difference_loss(x, 2 * x)).tolist() == [0.0]


@pytest.mark.parametrize("fn", [il.psnr, il.ssim], ids=["psnr", "ssim"])
def test_uint8_images_need_max_val_255(fn):
    a = np.random.default_rng(0).integers(0, 256, (1, 16, 16, 1)).astype(np.uint8)
    with pytest.raises(ValueError, match=r"Expected max_val=255 .* Received: max_val=1.0"):
        fn(a, a)
    assert np.all(np.isfinite(to_numpy(fn(a, a, max_val=255))))


def test_logits_given_as_probabilities_name_from_logits():
    labels = np.zeros((2, 8, 8), np.int32)
    logits = np.random.default_rng(0).normal(0.0, 5.0, (2, 8, 8, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="use from_logits=True"):
        il.DiceLoss()(labels, logits)
    assert np.isfinite(to_numpy(il.DiceLoss(from_logits=True)(labels, logits)))


def test_ssim_with_zero_constants_is_1_on_identical_flat_images():
    for value in (0.0, 0.5):
        x = np.full((1, 16, 16, 1), value, np.float32)
        np.testing.assert_allclose(to_numpy(il.ssim(x, x, k1=0.0, k2=0.0)), [1.0], rtol=1e-6)


@pytest.mark.parametrize("loss", ["sobel_loss", "laplacian_loss"])
def test_an_infinite_input_gives_nan_on_every_backend(loss):
    y_true = np.zeros((2, 8, 8, 1), np.float32)
    y_pred = y_true.copy()
    y_pred[0, 4, 4, 0] = np.inf
    values = to_numpy(getattr(il, loss)(y_true, y_pred))
    assert np.isnan(values[0]) and values[1] == 0.0


def test_charbonnier_gradient_is_finite_for_a_tiny_epsilon(rng):
    y_true = rng.random((1, 8, 8, 1)).astype(np.float32)
    y_pred = y_true.copy()  # d = 0 everywhere: sqrt(d**2 + 1e-60) would be sqrt(0)
    grad = gradient(lambda v: il.charbonnier_loss(y_true, v, epsilon=1e-30), y_pred)
    assert np.all(np.isfinite(grad))
    assert keras.backend.backend() == BACKEND


@pytest.mark.parametrize(
    "call",
    [
        lambda x: il.SSIMLoss()(x, x),
        lambda x: il.sobel(x[:, :, :1], mode="mirror"),
        lambda x: il.gradient_difference_loss(x[:, :, :0], x[:, :, :0]),
    ],
    ids=["ssim_too_small", "sobel_too_small", "gradient_difference_empty"],
)
def test_rank_5_shape_errors_name_the_3d_layout_and_spatial_dims_2(call):
    x = np.zeros((2, 4, 16, 16, 1), np.float32)  # ConvLSTM outputs: 4 frames of 16x16
    with pytest.raises(ValueError, match=r"read as 3D volumes \(B, D, H, W, C\).*pass spatial_dims=2"):
        call(x)
    assert np.all(np.isfinite(to_numpy(il.SSIMLoss(filter_size=3, spatial_dims=2)(x, x))))


def test_one_threshold_rule_for_every_segmentation_metric():
    """`p >= threshold` with a threshold in [0, 1], for IoU, Dice and ThresholdedMeanIoU."""
    for make in (
        lambda: il.metrics.IoU(2, threshold=1.5),
        lambda: il.metrics.Dice(2, threshold=1.5),
        lambda: il.metrics.ThresholdedMeanIoU(thresholds=[1.5]),
    ):
        with pytest.raises(ValueError, match="threshold"):
            make()
    y_true = np.array([1.0, 0.0, 1.0, 0.0]).reshape(1, 1, 4, 1)
    y_pred = np.array([0.5, 0.5, 0.7, 0.2]).reshape(1, 1, 4, 1)  # ties at the threshold 0.5
    iou = il.metrics.IoU(2, threshold=0.5, average="mean")
    iou.update_state(y_true, y_pred)
    thresholded = il.metrics.ThresholdedMeanIoU(thresholds=[0.5])
    thresholded.update_state(y_true, y_pred)
    # foreground {0, 1, 2} (>=): fg IoU 2/3, bg IoU 1/2
    np.testing.assert_allclose(to_numpy(iou.result()), (2 / 3 + 1 / 2) / 2, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(thresholded.result()), (2 / 3 + 1 / 2) / 2, rtol=1e-6)


def test_binary_class_weights_have_two_entries_in_every_loss(rng):
    labels = (rng.random((2, 8, 8, 1)) < 0.4).astype(np.float32)
    p = rng.random((2, 8, 8, 1)).astype(np.float32)
    for fn in (il.dice_loss, il.jaccard_loss, il.cross_entropy_loss, il.lovasz_softmax_loss):
        with pytest.raises(ValueError, match=r"\[background, foreground\]"):
            fn(labels, p, class_weights=[2.0])
        assert np.all(np.isfinite(to_numpy(fn(labels, p, class_weights=[1.0, 2.0]))))
    # the region losses score the foreground alone: a positive weight leaves them unchanged
    np.testing.assert_allclose(
        to_numpy(il.dice_loss(labels, p, class_weights=[1.0, 2.0])),
        to_numpy(il.dice_loss(labels, p)),
        rtol=1e-6,
    )
