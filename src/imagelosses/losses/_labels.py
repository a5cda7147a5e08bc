"""Label handling for every segmentation loss and metric: the one place that reads `y_true`.

The conventions it implements are written once, in the docstring of `imagelosses.losses`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._shapes import Layout, check_number, resolve_layout, to_float

# Probabilities are clipped to [PROBABILITY_EPSILON, 1] before a log (Keras clips at 1e-7 too).
PROBABILITY_EPSILON = 1e-7


def check_ignore_class(ignore_class) -> tuple[int, ...]:
    """`None`, an int or a list of ints -> a tuple of ints."""
    values = (
        []
        if ignore_class is None
        else (list(ignore_class) if isinstance(ignore_class, (list, tuple)) else [ignore_class])
    )
    for value in values:
        if (
            isinstance(value, (bool, np.bool_))
            or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
            or value != int(value)
        ):
            raise TypeError(
                "Invalid value for argument `ignore_class`. Expected None, an integer or a list "
                f"of integers. Received: ignore_class={ignore_class!r}"
            )
    return tuple(int(v) for v in values)


def check_class_weights(class_weights, num_classes: int):
    """`None` or one non-negative number per class -> a tuple of K Python floats, or None.

    Python floats, not numpy: the weights are constants to every tracer (torch.compile traces
    numpy values as tensors, and turning those into a tensor again breaks its graph).
    """
    if class_weights is None:
        return None
    message = (
        f"Invalid value for argument `class_weights`. Expected {num_classes} non-negative numbers "
        "(one per class, from the channels of `y_pred`; [background, foreground] for one-channel "
        f"binary predictions). Received: class_weights={class_weights!r}"
    )
    if isinstance(class_weights, (str, bytes)) or not hasattr(class_weights, "__len__"):
        raise TypeError(message)
    if len(class_weights) != num_classes:
        raise ValueError(message)
    weights = []
    for w in class_weights:
        if isinstance(w, bool) or not isinstance(w, numbers.Real):
            raise TypeError(message)
        weights.append(check_number("class_weights", float(w), minimum=0.0))
    return tuple(weights)


def class_weight_vector(class_weights, num_classes: int):
    """The one rule for `class_weights`: one entry per class, two for binary K = 1.

    A one-channel (sigmoid) prediction has two classes, background and foreground, so every loss
    takes `[background, foreground]` there: the pixel losses weigh both terms, the region losses
    (which score the foreground channel only) use the foreground entry. Returns K floats or None.
    """
    if num_classes == 1 and class_weights is not None:
        return check_class_weights(class_weights, 2)[1:]
    return check_class_weights(class_weights, num_classes)


def ignore_class_option(name: str, value):
    """Validator of `ignore_class` (for `_checks.options`): returns the value as given."""
    check_ignore_class(value)
    return list(value) if isinstance(value, tuple) else value


def class_weights_option(name: str, value):
    """Validator of `class_weights` before the class count is known: None or non-negative reals.

    The length is checked against the channels of `y_pred` when the loss runs.
    """
    if value is None:
        return None
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__") or len(value) == 0:
        raise TypeError(
            "Invalid type for argument `class_weights`. Expected None or a sequence of non-negative "
            f"numbers, one per class. Received: class_weights={value!r}"
        )
    return list(_checks.reals(name, value, minimum=0.0))


# The validators of the label options every segmentation loss shares.
LABEL_OPTIONS = {
    "ignore_class": ignore_class_option,
    "class_weights": class_weights_option,
    "per_image": _checks.flag,
    "include_background": _checks.flag,
    "from_logits": _checks.flag,
    **_checks.LAYOUT,
}


_checks.SHARED_DOCS.update(
    {
        "ignore_class": "None, a class id or a list of them: void pixels (Keras's name). They drop out of "
        "every sum before one-hot encoding, so neither the value nor the gradient depends on the "
        "prediction there; an ignored class in [0, K) is also left out of the class average.",
        "class_weights": "None or one non-negative number per class (default all 1); a one-channel "
        "binary `y_pred` has two classes, so two numbers, `[background, foreground]` (the region "
        "losses score the foreground alone and use its entry): the rule of every loss.",
        "per_image": "True (default): one statistic per image, `(B,)`; False: the statistic of the whole "
        "batch (MONAI's `batch=True`), returned repeated as `(B,)` so Keras's mean gives it back.",
        "include_background": "True (default); False leaves class 0 out of the class average (K >= 2), as "
        "MONAI's option does.",
        "from_logits": "False: `y_pred` holds probabilities; True: logits, turned into "
        "probabilities with a softmax over the channel axis (K >= 2) or a sigmoid (K = 1).",
    }
)


def label_options(*names: str) -> dict:
    """The shared validators for `names` (a subset of `LABEL_OPTIONS`)."""
    return {name: LABEL_OPTIONS[name] for name in names}


def check_bool(name: str, value) -> bool:
    return _checks.boolean(name, value)


@dataclass(frozen=True)
class Segmentation:
    """Prepared inputs, all channels_last `(B, [T,] *spatial, ...)`, float32.

    Attributes:
        target: one-hot/soft labels `(..., K)`, zero at void pixels.
        pred: probabilities `(..., K)` (or the raw scores with `activate=False`); constant at
            void pixels.
        logits: the logits (void pixels set to 0) when `from_logits=True`, else None.
        valid: `(..., 1)`, 1.0 where a pixel counts, 0.0 where it is void.
        masked: whether any pixel can be void (an `ignore_class` that can occur in the labels);
            when False, `valid` is all ones and the masking arithmetic is skipped.
        layout: the layout of `y_pred` as given.
        num_classes: K.
        class_mask: K Python floats: 0.0 for classes in [0, K) named by `ignore_class`, else 1.0.
    """

    target: object
    pred: object
    logits: object
    valid: object
    layout: Layout
    num_classes: int
    class_mask: tuple[float, ...]
    masked: bool = True  # False: no pixel can be void, `valid` is all ones and sums may skip it

    @property
    def num_sample_axes(self) -> int:
        return self.layout.num_sample_axes

    def pixel_axes(self, per_image: bool) -> tuple[int, ...]:
        """Axes summed for one statistic: spatial axes, plus the sample axes if not per image."""
        first = self.num_sample_axes if per_image else 0
        return tuple(range(first, self.num_sample_axes + self.layout.spatial_dims))


def _channels_last(x, layout: Layout):
    if layout.data_format == "channels_first":
        return ops.moveaxis(x, layout.channel_axis, -1)
    return x


def _is_concrete(x) -> bool:
    """Whether the tensor holds values now (eager), so the labels can be checked on the host."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.executing_eagerly() and hasattr(x, "numpy")
    if backend == "jax":
        import jax

        return not isinstance(x, jax.core.Tracer)
    if backend == "torch":
        import torch

        return not torch.compiler.is_compiling() and getattr(x.device, "type", "") != "meta"
    return False


def _extremes(tensors) -> list[float]:
    """`[min, max]` of each tensor, all in one read-back to the host.

    On torch each pair is one pass (`torch.aminmax`, outside autograd); elsewhere `ops.min` and
    `ops.max`. Both are tested against numpy.
    """
    if keras.backend.backend() == "torch":
        import torch

        with torch.no_grad():
            pairs = [v for x in tensors for v in torch.aminmax(torch.as_tensor(x))]
            return torch.stack(pairs).tolist() if pairs else []
    pairs = [v for x in tensors for v in (ops.min(x), ops.max(x))]
    return [float(v) for v in ops.convert_to_numpy(ops.stack(pairs))] if pairs else []


def _eager_checks(y_true, y_pred, *, integer: bool, num_classes: int, ignore: tuple, probabilities: bool):
    """The label rule on concrete labels and, with `probabilities`, `y_pred` in [0, 1]: both
    read back in one transfer (the extremes, and the largest distance to an integer)."""
    check_labels = _is_concrete(y_true) and not any(size == 0 for size in y_true.shape)
    probabilities = probabilities and _is_concrete(y_pred) and not any(size == 0 for size in y_pred.shape)
    tensors = []
    if check_labels:
        counted = y_true
        for value in ignore:
            counted = ops.where(ops.equal(counted, float(value)), 0.0, counted)
        tensors.append(counted)
        if integer:  # [min, max] of |t - round(t)|: the max is 0 for integers
            tensors.append(ops.abs(counted - ops.round(counted)))
    if probabilities:
        tensors.append(y_pred)
    stats = _extremes(tensors)
    if check_labels:
        high = num_classes - 1 if integer else 1
        if not (stats[0] >= 0 and stats[1] <= high and (not integer or stats[3] == 0)):
            _raise_for_labels(y_true, integer=integer, num_classes=num_classes, ignore=ignore)
    if probabilities:
        _check_probability_range(*stats[-2:])


def _raise_for_labels(y_true, *, integer: bool, num_classes: int, ignore: tuple) -> None:
    """A mistake: read the labels back to name the bad values."""
    values = np.asarray(ops.convert_to_numpy(y_true), np.float64)
    counted = ~np.isin(values, ignore) if ignore else np.ones(values.shape, bool)
    if integer:
        bad = counted & ~((values >= 0) & (values < num_classes) & (values == np.round(values)))
        expected = f"integer class labels in [0, {num_classes})"
    else:
        bad = counted & ~((values >= 0) & (values <= 1))
        expected = "label values in [0, 1]"
    if not np.any(bad):
        return
    found = np.unique(values[bad])
    hint = ""
    if np.nanmax(np.abs(values)) == 255 and (not integer or num_classes <= 2):
        hint = " (a 0-255 mask where 0-1 labels were expected? Divide it by 255.)"
    ignored = f", or ignore_class={list(ignore)}" if ignore else ""
    raise ValueError(
        f"Invalid values in `y_true`. Expected {expected}{ignored}.{hint} "
        f"Received: {found.size} distinct bad values, e.g. {found[:5].tolist()}"
    )


def resolve(y_true, y_pred, *, data_format=None, spatial_dims=None):
    """Layout and K of `y_pred`, `y_true` as float32, and whether it is an integer map."""
    y_pred = to_float(y_pred, "y_pred")
    y_true = to_float(y_true, "y_true")
    layout = resolve_layout(y_pred.shape, data_format=data_format, spatial_dims=spatial_dims, name="y_pred")
    k = y_pred.shape[layout.channel_axis]
    if k is None:
        raise ValueError(
            "The channel axis of `y_pred` (the classes) must have a static size. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    if len(y_true.shape) == layout.rank - 1:  # an integer map without a channel axis
        y_true = ops.expand_dims(y_true, layout.channel_axis)
    pred_shape, true_shape = list(y_pred.shape), list(y_true.shape)
    c = true_shape[layout.channel_axis] if len(true_shape) == layout.rank else None
    pred_shape[layout.channel_axis] = true_shape[layout.channel_axis] = None
    same = len(true_shape) == len(pred_shape) and all(
        a is None or b is None or a == b for a, b in zip(true_shape, pred_shape)
    )
    if not same or c not in (1, k):
        raise ValueError(
            "`y_true` must be an integer class map (one channel, or no channel axis) or one-hot "
            "labels with the channels of `y_pred`, over the same batch and spatial shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    return y_true, y_pred, layout, k, (c == 1 and k > 1)


def prepare(
    y_true,
    y_pred,
    *,
    from_logits=False,
    ignore_class=None,
    data_format=None,
    spatial_dims=None,
    activate=True,
    for_loss=True,
) -> Segmentation:
    """The common prologue of every segmentation loss: see the module docstring.

    `for_loss=True` (every loss) also checks, when `y_pred` is concrete, that it holds
    probabilities unless `from_logits=True`, and under jit makes every prediction and target of
    a sample with out-of-range labels NaN, so the value of that sample is NaN. The metrics pass False: their
    argmax takes logits as they are, and their integer counts cannot hold a NaN.
    """
    check_bool("from_logits", from_logits)
    ignore = check_ignore_class(ignore_class)
    y_true, y_pred, layout, k, integer = resolve(
        y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims
    )
    _eager_checks(
        y_true,
        y_pred,
        integer=integer,
        num_classes=k,
        ignore=ignore,
        probabilities=for_loss and not from_logits,
    )
    y_true, y_pred = _channels_last(y_true, layout), _channels_last(y_pred, layout)
    valid, target, masked = _valid_and_target(y_true, k, integer, ignore)
    if masked:
        y_pred = ops.where(valid > 0, y_pred, 0.0)
    if for_loss and not _is_concrete(y_true):
        poison = _bad_label_poison(y_true, layout, integer=integer, num_classes=k, ignore=ignore)
        # both: a clipped log of a NaN probability is not NaN on every backend, NaN * 0 is
        y_pred, target = y_pred + poison, target + poison
    logits = None
    if from_logits:
        logits = y_pred
        pred = activation(logits) if activate else logits
    else:
        pred = y_pred
    class_mask = tuple(0.0 if c in ignore else 1.0 for c in range(k))
    return Segmentation(target, pred, logits, valid, layout, k, class_mask, masked)


# Probabilities may leave [0, 1] by this much (float16 softmax rounding) before `y_pred` counts as
# logits given without `from_logits=True`.
PROBABILITY_TOLERANCE = 1e-3


def _check_probability_range(low: float, high: float) -> None:
    """`y_pred`'s extremes in [0, 1] up to `PROBABILITY_TOLERANCE`; NaN passes (the NaN policy)."""
    if low < -PROBABILITY_TOLERANCE or high > 1.0 + PROBABILITY_TOLERANCE:
        raise ValueError(
            "Invalid values in `y_pred`. Expected probabilities in [0, 1] (from_logits=False); "
            "if `y_pred` holds logits (a layer without softmax or sigmoid), use from_logits=True. "
            f"Received: values in [{low:.6g}, {high:.6g}]"
        )


def _bad_label_poison(y_true, layout: Layout, *, integer: bool, num_classes: int, ignore: tuple):
    """Under jit: NaN for each sample (frame) with a counted label out of range, 0 for the others.

    Shaped `(B, [T,] 1, ..., 1)` to broadcast over a sample's values (channels_last labels). The
    rule of `_eager_checks` (integers in [0, K), or values in [0, 1]), as arithmetic; `prepare`
    adds it to the prediction and the target, so that sample's value is NaN, which
    `TerminateOnNaN` and every log show, and the other samples are untouched (`x + 0 == x`).
    One flag per sample instead of a per-pixel flag (a reduction over the channels, then a
    full-size `where` on both inputs): jitted Dice forward+backward on jax, 4x256x256x3, went from
    4.53 to 3.42 ms (`benchmarks.bench_segmentation --cases dice --sizes 256`). The compiled
    program still writes both sums out once (XLA does not fuse them into the reductions).
    """
    high = num_classes - 1 if integer else 1.0
    bad = ops.logical_or(y_true < 0.0, y_true > high)
    if integer:
        bad = ops.logical_or(bad, ops.not_equal(y_true, ops.round(y_true)))
    for value in ignore:
        bad = ops.logical_and(bad, ops.not_equal(y_true, float(value)))
    per_sample = ops.any(bad, axis=tuple(range(layout.num_sample_axes, len(y_true.shape))), keepdims=True)
    return ops.where(per_sample, float("nan"), 0.0)


def _valid_and_target(y_true, k: int, integer: bool, ignore: tuple):
    """The void mask from the labels, the masked one-hot (or soft) target, and whether masked."""
    if integer or k == 1:
        if not ignore:
            valid, labels = ops.ones_like(y_true), y_true
        else:
            void = None
            for value in ignore:
                hit = ops.cast(ops.equal(y_true, float(value)), "float32")
                void = hit if void is None else void + hit
            valid = 1.0 - ops.minimum(void, 1.0)
            labels = ops.where(valid > 0, y_true, 0.0)  # masked before the one-hot encoding
        if k == 1:
            return valid, labels, bool(ignore)
        classes = ops.arange(k, dtype="float32")
        target = ops.cast(ops.equal(labels, classes), "float32")
        return valid, (target * valid if ignore else target), bool(ignore)
    channels = [c for c in ignore if 0 <= c < k]
    if not channels:
        return ops.ones_like(y_true[..., :1]), y_true, False
    onehot_ignore = ops.convert_to_tensor([1.0 if c in channels else 0.0 for c in range(k)], "float32")
    weight = ops.sum(y_true * onehot_ignore, axis=-1, keepdims=True)
    valid = ops.cast(weight < 0.5, "float32")
    return valid, ops.where(valid > 0, y_true, 0.0), True


def softmax_last(logits, log: bool = False):
    """(Log-)softmax over the last axis: `ops.softmax` / `ops.log_softmax`, or a torch fast path.

    torch's CPU kernels are slow along a short innermost axis (K classes, channels_last); the
    same memory seen as `(N, K, ...)`, a view without a copy, takes their fast path: 7x faster
    on 4x256x256x3 logits (0.8 ms against 6.0 ms for the log-softmax). Same values; tested
    against `ops.softmax`.
    """
    if keras.backend.backend() == "torch" and len(logits.shape) >= 3:
        import torch

        moved = torch.movedim(logits, -1, 1)
        out = torch.log_softmax(moved, 1) if log else torch.softmax(moved, 1)
        return torch.movedim(out, 1, -1)
    return ops.log_softmax(logits, axis=-1) if log else ops.softmax(logits, axis=-1)


def activation(logits):
    """Softmax over the channels (last axis) for K >= 2, sigmoid for K = 1."""
    if logits.shape[-1] == 1:
        return ops.sigmoid(logits)
    return softmax_last(logits)


def log_probability(seg: Segmentation):
    """`log p` of the prepared predictions: log-softmax/log-sigmoid of logits, clipped otherwise."""
    if seg.logits is not None:
        if seg.num_classes == 1:
            return ops.log_sigmoid(seg.logits)
        return softmax_last(seg.logits, log=True)
    return ops.log(ops.clip(seg.pred, PROBABILITY_EPSILON, 1.0))


def log_probabilities(seg: Segmentation):
    """`(log p, log(1 - p))` of the prepared predictions, stable for logits, clipped otherwise."""
    log_p = log_probability(seg)
    if seg.logits is not None:
        if seg.num_classes == 1:
            return log_p, ops.log_sigmoid(-seg.logits)
        return log_p, ops.log(ops.clip(1.0 - ops.exp(log_p), PROBABILITY_EPSILON, 1.0))
    return log_p, ops.log(ops.clip(1.0 - seg.pred, PROBABILITY_EPSILON, 1.0))


def class_average(values, seg: Segmentation, *, class_weights=None, include_background=True, present=None):
    """Weighted mean over the last (class) axis; 0 where no class counts.

    Counted classes: all K, less those named by `ignore_class`, less class 0 when
    `include_background=False` (K >= 2), times `present` (a 0/1 tensor) when given. Weights are
    `class_weights` (default 1): `sum(w * values) / sum(w)`.
    """
    k = seg.num_classes
    weights = list(seg.class_mask)
    if class_weights is not None:
        weights = [w * c for w, c in zip(weights, class_weight_vector(class_weights, k))]
    if not include_background and k > 1:
        weights[0] = 0.0
    w = ops.convert_to_tensor(weights, "float32")
    if present is not None:
        w = w * present
    total = ops.sum(w * ops.ones_like(values), axis=-1)
    return ops.sum(w * values, axis=-1) / ops.where(total > 0, total, 1.0)


def per_sample(value, seg: Segmentation, per_image: bool):
    """`(B,)`/`(B, T)` values: as they are per image, the batch statistic repeated otherwise."""
    if per_image:
        return value
    zeros = ops.sum(seg.valid * 0.0, axis=tuple(range(seg.num_sample_axes, len(seg.valid.shape))))
    return zeros + value
