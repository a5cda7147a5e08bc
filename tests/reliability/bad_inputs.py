"""The catalogue of bad inputs: one row per mistake, the call that makes it, and the error it gives.

`python -m tests.reliability.bad_inputs` prints the table of docs/bad_inputs.md from the errors
actually raised; `test_bad_inputs.py` checks every row raises its error and that the document
quotes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import imagelosses as il


def _images(*shape, dtype="float32"):
    return np.random.default_rng(0).random(shape).astype(dtype)


def _labels(bad=None):
    """An integer class map `(2, 8, 8)` of zeros, with one pixel set to `bad` if given."""
    labels = np.zeros((2, 8, 8), "int32")
    if bad is not None:
        labels[0, 0, 0] = bad
    return labels


def _probabilities(classes):
    return np.full((2, 8, 8, classes), 1.0 / classes, "float32")


@dataclass(frozen=True)
class Row:
    mistake: str
    call: str  # what the user wrote, for the table
    run: Callable
    error: type


ROWS = [
    Row(
        "mismatched shapes",
        "SobelLoss()(y_true[8x8], y_pred[8x9])",
        lambda: il.SobelLoss()(_images(2, 8, 8, 1), _images(2, 8, 9, 1)),
        ValueError,
    ),
    Row(
        "wrong rank",
        "sobel_loss(images (B, H, W), ...)",
        lambda: il.sobel_loss(_images(2, 8, 8), _images(2, 8, 8)),
        ValueError,
    ),
    Row(
        "rank 4 with spatial_dims=3",
        "laplacian(images (B, H, W, C), spatial_dims=3)",
        lambda: il.laplacian(_images(2, 8, 8, 1), spatial_dims=3),
        ValueError,
    ),
    Row(
        "wrong dtype",
        "sobel(complex images)",
        lambda: il.sobel(_images(1, 8, 8, 1).astype(np.complex64)),
        TypeError,
    ),
    Row(
        "unknown boundary mode",
        "SobelLoss(mode='wrap')",
        lambda: il.SobelLoss(mode="wrap")(_images(1, 8, 8, 1), _images(1, 8, 8, 1)),
        ValueError,
    ),
    Row(
        "unknown distance",
        "SobelLoss(distance='huber')",
        lambda: il.SobelLoss(distance="huber")(_images(1, 8, 8, 1), _images(1, 8, 8, 1)),
        ValueError,
    ),
    Row(
        "unknown data_format",
        "sobel(x, data_format='NHWC')",
        lambda: il.sobel(_images(1, 8, 8, 1), data_format="NHWC"),
        ValueError,
    ),
    Row(
        "spatial_dims not 2 or 3",
        "sobel(x, spatial_dims=1)",
        lambda: il.sobel(_images(1, 8, 8, 1), spatial_dims=1),
        ValueError,
    ),
    Row(
        "image too small for the mode",
        "sobel(x of width 1, mode='mirror')",
        lambda: il.sobel(_images(1, 8, 1, 1), mode="mirror"),
        ValueError,
    ),
    Row(
        "exponent out of range",
        "GradientDifferenceLoss(alpha=0.5)",
        lambda: il.GradientDifferenceLoss(alpha=0.5)(_images(1, 8, 8, 1), _images(1, 8, 8, 1)),
        ValueError,
    ),
    Row(
        "option of the wrong type",
        "GradientDifferenceLoss(alpha='2')",
        lambda: il.GradientDifferenceLoss(alpha="2")(_images(1, 8, 8, 1), _images(1, 8, 8, 1)),
        TypeError,
    ),
    Row(
        "weights that do not match the losses",
        "WeightedSum(['mse', 'mae'], weights=[1.0])",
        lambda: il.WeightedSum(["mse", "mae"], weights=[1.0]),
        ValueError,
    ),
    Row(
        "unknown loss name in a sum",
        "WeightedSum(['no_such_loss'])",
        lambda: il.WeightedSum(["no_such_loss"]),
        ValueError,
    ),
    # structural similarity
    Row(
        "negative max_val",
        "ssim(x, y, max_val=-1.0)",
        lambda: il.ssim(_images(1, 16, 16, 1), _images(1, 16, 16, 1), max_val=-1.0),
        ValueError,
    ),
    Row(
        "zero max_val",
        "psnr(x, y, max_val=0.0)",
        lambda: il.psnr(_images(1, 8, 8, 1), _images(1, 8, 8, 1), max_val=0.0),
        ValueError,
    ),
    Row(
        "even filter_size",
        "SSIMLoss(filter_size=4)",
        lambda: il.SSIMLoss(filter_size=4)(_images(1, 16, 16, 1), _images(1, 16, 16, 1)),
        ValueError,
    ),
    Row(
        "filter_size larger than the image",
        "ssim(8x8 images) (filter_size=11)",
        lambda: il.ssim(_images(1, 8, 8, 1), _images(1, 8, 8, 1)),
        ValueError,
    ),
    Row(
        "image too small for MS-SSIM",
        "ms_ssim(64x64 images) (5 scales)",
        lambda: il.ms_ssim(_images(1, 64, 64, 1), _images(1, 64, 64, 1)),
        ValueError,
    ),
    Row(
        "no MS-SSIM scales",
        "ms_ssim(x, y, power_factors=())",
        lambda: il.ms_ssim(_images(1, 64, 64, 1), _images(1, 64, 64, 1), power_factors=()),
        ValueError,
    ),
    Row(
        "non-positive epsilon",
        "CharbonnierLoss(epsilon=0)",
        lambda: il.CharbonnierLoss(epsilon=0)(_images(1, 8, 8, 1), _images(1, 8, 8, 1)),
        ValueError,
    ),
    # segmentation
    Row(
        "label out of range (eager)",
        "DiceLoss()(labels with a 5, 3-class y_pred)",
        lambda: il.DiceLoss()(_labels(bad=5), _probabilities(3)),
        ValueError,
    ),
    Row(
        "0-255 mask for 0-1 labels (eager)",
        "DiceLoss()(mask of 0/255, sigmoid y_pred)",
        lambda: il.DiceLoss()(_labels(bad=255)[..., None].astype("float32"), _images(2, 8, 8, 1)),
        ValueError,
    ),
    Row(
        "one-hot labels with the wrong classes",
        "DiceLoss()(y_true 2 channels, y_pred 3)",
        lambda: il.DiceLoss()(_images(2, 8, 8, 2), _probabilities(3)),
        ValueError,
    ),
    Row(
        "ignore_class not an integer",
        "DiceLoss(ignore_class=0.5)",
        lambda: il.DiceLoss(ignore_class=0.5)(_labels(), _probabilities(3)),
        TypeError,
    ),
    Row(
        "class_weights of the wrong length",
        "DiceLoss(class_weights=[1, 2]) with 3 classes",
        lambda: il.DiceLoss(class_weights=[1, 2])(_labels(), _probabilities(3)),
        ValueError,
    ),
    Row(
        "negative Tversky weight",
        "TverskyLoss(alpha=-1)",
        lambda: il.TverskyLoss(alpha=-1)(_labels(), _probabilities(3)),
        ValueError,
    ),
    Row(
        "negative focusing exponent",
        "FocalLoss(gamma=-1)",
        lambda: il.FocalLoss(gamma=-1)(_labels(), _probabilities(3)),
        ValueError,
    ),
    Row(
        "unknown Lovasz class set",
        "LovaszSoftmaxLoss(classes='some')",
        lambda: il.LovaszSoftmaxLoss(classes="some")(_labels(), _probabilities(3)),
        ValueError,
    ),
    Row(
        "forgiven class out of range",
        "ForgiveFalseNegatives(DiceLoss(), classes=(7,))",
        lambda: il.ForgiveFalseNegatives(il.DiceLoss(), classes=(7,))(_labels(), _probabilities(3)),
        ValueError,
    ),
    Row(
        "logits given as probabilities (eager)",
        "DiceLoss()(labels, logits of a layer without softmax)",
        lambda: il.DiceLoss()(_labels(), 10.0 * _images(2, 8, 8, 3) - 5.0),
        ValueError,
    ),
    # layouts and ranges
    Row(
        "uint8 images with the default max_val=1",
        "psnr(uint8 images, uint8 images)",
        lambda: il.psnr(_images(1, 8, 8, 1, dtype="uint8"), _images(1, 8, 8, 1, dtype="uint8")),
        ValueError,
    ),
    Row(
        "a sequence (B, T, H, W, C) read as 3D volumes",
        "SSIMLoss()(ConvLSTM outputs (4, 4, 16, 16, 1))",
        lambda: il.SSIMLoss()(_images(4, 4, 16, 16, 1), _images(4, 4, 16, 16, 1)),
        ValueError,
    ),
    # options checked when a loss is constructed
    Row(
        "NaN smoothing", "DiceLoss(smooth=float('nan'))", lambda: il.DiceLoss(smooth=float("nan")), ValueError
    ),
    Row(
        "Tversky weights that make the loss constant",
        "TverskyLoss(alpha=0, beta=0)",
        lambda: il.TverskyLoss(alpha=0, beta=0),
        ValueError,
    ),
    Row("a string for a flag", "SobelLoss(magnitude='no')", lambda: il.SobelLoss(magnitude="no"), TypeError),
    Row(
        "a per-pixel sample_weight for a region loss",
        "DiceLoss()(labels, probabilities, sample_weight=(2, 8, 8) map)",
        lambda: il.DiceLoss()(_labels(), _probabilities(3), sample_weight=np.ones((2, 8, 8), "float32")),
        ValueError,
    ),
    Row(
        "an even local NCC window",
        "LocalNCCLoss(kernel_size=4)",
        lambda: il.LocalNCCLoss(kernel_size=4),
        ValueError,
    ),
    Row(
        "a displacement field with the wrong number of channels",
        "BendingEnergyLoss()(zeros, field (B, H, W, 3))",
        lambda: il.BendingEnergyLoss()(_images(2, 8, 8, 3), _images(2, 8, 8, 3)),
        ValueError,
    ),
    Row(
        "a Barron loss with a zero scale",
        "BarronLoss(scale=0)",
        lambda: il.BarronLoss(scale=0),
        ValueError,
    ),
    Row(
        "a 3D volume to the focal frequency loss",
        "FocalFrequencyLoss()(volumes (B, D, H, W, C))",
        lambda: il.FocalFrequencyLoss()(_images(2, 8, 8, 8, 1), _images(2, 8, 8, 8, 1)),
        ValueError,
    ),
    Row(
        "a patch factor that does not divide the image",
        "FocalFrequencyLoss(patch_factor=3)(images 8x8)",
        lambda: il.FocalFrequencyLoss(patch_factor=3)(_images(2, 8, 8, 1), _images(2, 8, 8, 1)),
        ValueError,
    ),
    Row(
        "GMSD on two channels",
        "gmsd(images (B, H, W, 2), ...)",
        lambda: il.gmsd(_images(2, 16, 16, 2), _images(2, 16, 16, 2)),
        ValueError,
    ),
    Row(
        "VIF on images smaller than its largest window",
        "vif_p(images 32x32, ...)",
        lambda: il.vif_p(_images(2, 32, 32, 1), _images(2, 32, 32, 1)),
        ValueError,
    ),
    Row(
        "the spectral angle of one-channel images",
        "spectral_angle_mapper(images (B, H, W, 1), ...)",
        lambda: il.spectral_angle_mapper(_images(2, 8, 8, 1), _images(2, 8, 8, 1)),
        ValueError,
    ),
    Row(
        "a saved sum with a plain function, loaded without it",
        "keras.losses.deserialize(serialize(SobelLoss() + my_function))",
        lambda: _reload_plain_function_sum(),
        ValueError,
    ),
]


def _my_function(y_true, y_pred):
    return (y_true - y_pred) ** 2


def _reload_plain_function_sum():
    import keras

    keras.losses.deserialize(keras.losses.serialize(il.SobelLoss() + _my_function))


def message(row: Row) -> str:
    try:
        row.run()
    except row.error as error:
        return str(error).splitlines()[0]
    raise AssertionError(f"{row.mistake}: no {row.error.__name__} raised")


def table() -> str:
    lines = ["| mistake | call | error |", "|---|---|---|"]
    for row in ROWS:
        text = message(row).replace("|", "\\|")
        lines.append(f"| {row.mistake} | `{row.call}` | `{row.error.__name__}`: {text} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
