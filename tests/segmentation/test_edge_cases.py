"""Edge cases: empty masks, all-void images, one class present, extreme logits, void pixels'
independence, Lovasz by hand, ForgiveFalseNegatives, label checks and option errors."""

import keras
import numpy as np
import pytest

import imagelosses as il
from tests.conftest import BACKEND, assert_close, gradient, to_numpy
from tests.reference import segmentation as ref
from tests.structural.helpers import value_and_gradient

VOID = 255
REGION = [il.dice_loss, il.jaccard_loss, il.tversky_loss, il.focal_tversky_loss, il.generalized_dice_loss]
ALL = REGION + [
    il.cross_entropy_loss,
    il.focal_loss,
    il.lovasz_softmax_loss,
    il.lovasz_hinge_loss,
    il.boundary_weighted_bce_dice_loss,
]
IDS = [f.__name__ for f in ALL]


def _options(fn):
    return {"pool_size": 3} if fn is il.boundary_weighted_bce_dice_loss else {}


@pytest.mark.parametrize("fn", REGION, ids=[f.__name__ for f in REGION])
def test_empty_truth_and_prediction_give_zero_with_finite_gradient(fn):
    y_true = np.zeros((2, 8, 8, 1))
    y_pred = np.zeros((2, 8, 8, 1))
    values, grad = value_and_gradient(fn)(y_true, y_pred)
    assert_close(values, [0.0, 0.0])
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("fn", ALL, ids=IDS)
def test_all_void_image_has_value_zero_and_no_gradient(fn, rng):
    y_true = rng.integers(0, 3, (2, 6, 6, 1)).astype(np.float64)
    y_true[1] = VOID
    y_pred = rng.normal(size=(2, 6, 6, 3))
    options = dict(ignore_class=VOID, from_logits=True, **_options(fn))
    values, grad = value_and_gradient(lambda t, p: fn(t, p, **options))(y_true, y_pred)
    assert np.isfinite(values[0]) and values[1] == 0.0
    assert np.all(np.isfinite(grad)) and np.all(grad[1] == 0.0)
    assert np.any(grad[0] != 0.0)


@pytest.mark.parametrize("fn", ALL, ids=IDS)
def test_void_pixels_do_not_change_value_or_gradient_even_as_nan(fn, rng):
    y_true = rng.integers(0, 3, (2, 6, 6, 1)).astype(np.float64)
    y_true[:, 3:] = VOID
    y_pred = rng.normal(size=(2, 6, 6, 3))
    options = dict(ignore_class=[VOID], from_logits=True, **_options(fn))
    if fn is il.boundary_weighted_bce_dice_loss:  # void pixels count as 0 in the box average
        y_true[:, 3:] = VOID
    step = value_and_gradient(lambda t, p: fn(t, p, **options))  # one jax compile for both calls
    values, grad = step(y_true, y_pred)
    changed = y_pred.copy()
    changed[:, 3:] = np.nan
    values_nan, grad_nan = step(y_true, changed)
    assert_close(values_nan, values)
    assert np.all(grad[:, 3:] == 0.0)
    assert_close(grad_nan, grad)


@pytest.mark.parametrize("fn", ALL, ids=IDS)
@pytest.mark.parametrize("k", [1, 3])
def test_extreme_logits_stay_finite(fn, k, rng):
    y_true = rng.integers(0, 2 if k == 1 else k, (2, 6, 6, 1)).astype(np.float64)
    y_pred = np.where(rng.random((2, 6, 6, k)) < 0.5, -1e4, 1e4)
    options = dict(from_logits=True, **_options(fn))
    values, grad = value_and_gradient(lambda t, p: fn(t, p, **options))(y_true, y_pred)
    assert np.all(np.isfinite(values))
    assert np.all(np.isfinite(grad))


def test_lovasz_softmax_single_class_present(rng):
    y_true = np.ones((2, 6, 6, 1))
    y_pred = ref.probabilities(rng.normal(size=(2, 6, 6, 3)), from_logits=True)
    for classes in ("present", "all"):
        assert_close(
            il.lovasz_softmax_loss(y_true, y_pred, classes=classes),
            ref.reference_lovasz_softmax_loss(y_true, y_pred, classes=classes),
        )
    # only class 1 counts with "present": the value is class 1's Lovasz loss alone
    errors = np.abs(1.0 - y_pred[0, ..., 1]).ravel()
    assert_close(il.lovasz_softmax_loss(y_true, y_pred)[0], ref.lovasz_flat(errors, np.ones_like(errors)))


def test_lovasz_gradient_of_a_large_image_is_float32_accurate():
    """The Jaccard steps `g_i` as a ratio (`lovasz._jaccard_steps`), not a difference of
    consecutive Jaccard losses: on 2x96x96x3 the directional derivative is within 2e-5 of the
    float64 reference's central difference (the difference form was 1.8e-4 off at 64x64)."""
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 3, (2, 96, 96))
    y_true = np.eye(3)[labels]
    y_pred = ref.probabilities(2.0 * y_true + rng.standard_normal(y_true.shape), from_logits=True)
    direction = rng.standard_normal(y_pred.shape)
    analytic = np.sum(gradient(lambda v: il.lovasz_softmax_loss(y_true, v), y_pred, jit=True) * direction)
    h = 1e-9
    numeric = (
        np.sum(ref.reference_lovasz_softmax_loss(y_true, y_pred + h * direction))
        - np.sum(ref.reference_lovasz_softmax_loss(y_true, y_pred - h * direction))
    ) / (2 * h)
    assert abs(analytic - numeric) <= 2e-5 * abs(numeric)


def test_lovasz_by_hand():
    # labels 1 1 0 0, probabilities 0.9 0.4 0.3 0.0: sorted errors 0.6 0.3 0.1 0.0 on labels
    # 1 0 1 0; Jaccard losses 1/2, 2/3, 1, 1; gradient 1/2, 1/6, 1/3, 0; loss 23/60.
    y_true = np.array([1.0, 1.0, 0.0, 0.0]).reshape(1, 1, 4, 1)
    y_pred = np.array([0.9, 0.4, 0.3, 0.0]).reshape(1, 1, 4, 1)
    assert_close(il.lovasz_softmax_loss(y_true, y_pred, classes="all"), [23 / 60])
    # hinge: logits 2, -1, 0.5 on labels 1, 1, 0: errors -1, 2, 1.5; sorted 2, 1.5, -1 on
    # labels 1, 0, 1; gradient 1/2, 1/6, 1/3; loss 2/2 + 1.5/6 + 0 = 1.25.
    y_true = np.array([1.0, 1.0, 0.0]).reshape(1, 1, 3, 1)
    logits = np.array([2.0, -1.0, 0.5]).reshape(1, 1, 3, 1)
    assert_close(il.lovasz_hinge_loss(y_true, logits), [1.25])


@pytest.mark.parametrize("from_logits", [False, True], ids=["probabilities", "logits"])
@pytest.mark.parametrize("inner", [il.DiceLoss, il.CrossEntropyLoss, il.LovaszSoftmaxLoss])
def test_forgive_false_negatives_value_and_gradient(inner, from_logits, rng):
    y_true = rng.integers(1, 3, (2, 6, 6, 1)).astype(np.float64)
    y_true[:, :2] = 0  # forgiven class 0 in the first two rows
    z = rng.normal(size=(2, 6, 6, 3))
    y_pred = z if from_logits else ref.probabilities(z, from_logits=True)
    loss = il.ForgiveFalseNegatives(inner(from_logits=from_logits), classes=(0,))
    value = to_numpy(loss.call(y_true, y_pred))
    assert_close(
        value,
        to_numpy(
            inner(from_logits=from_logits).call(
                y_true, ref.reference_forgiven(y_true, y_pred, from_logits=from_logits)
            )
        ),
    )
    # a miss of class 0 (class 2 predicted at a class-0 pixel) changes nothing
    miss = y_pred.copy()
    miss[:, 0, 0] = [-5.0, -5.0, 5.0] if from_logits else [0.0, 0.0, 1.0]
    assert_close(loss.call(y_true, miss), value)
    grad = gradient(lambda p: loss.call(y_true, p), y_pred)
    assert np.all(grad[:, :2] == 0.0) and np.any(grad[:, 2:] != 0.0)
    assert_close(gradient(lambda p: loss.call(y_true, p), miss), grad)
    # a false positive of class 0 (class 0 predicted at a class-1/2 pixel) still costs
    false_positive = y_pred.copy()
    false_positive[:, 4, 4] = [5.0, -5.0, -5.0] if from_logits else [1.0, 0.0, 0.0]
    assert np.all(to_numpy(loss.call(y_true, false_positive)) > value)


def test_forgive_false_negatives_serializes_the_inner_loss(rng):
    loss = il.ForgiveFalseNegatives(il.TverskyLoss(alpha=0.2, beta=0.8, ignore_class=VOID), classes=[0, 2])
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored.loss) is il.TverskyLoss
    assert restored.get_config() == loss.get_config()
    y_true = rng.integers(0, 3, (2, 6, 6, 1)).astype(np.float64)
    y_pred = ref.probabilities(rng.normal(size=(2, 6, 6, 3)), from_logits=True)
    assert_close(restored(y_true, y_pred), to_numpy(loss(y_true, y_pred)))


@pytest.mark.parametrize(
    "y_true, k, match",
    [
        (np.full((1, 4, 4, 1), 3.0), 3, r"integer class labels in \[0, 3\)"),
        (np.full((1, 4, 4, 1), 1.5), 3, r"integer class labels"),
        (np.full((1, 4, 4, 1), 255.0), 1, r"0-255 mask"),
        (np.full((1, 4, 4, 3), 255.0), 3, r"0-255 mask"),
    ],
    ids=["label_equal_to_k", "fractional_label", "binary_255_mask", "onehot_255"],
)
def test_out_of_range_labels_raise_when_eager(y_true, k, match):
    with pytest.raises(ValueError, match=rf"(?s){match}.*Received"):
        il.dice_loss(y_true, np.full((1, 4, 4, k), 0.5))


def test_eager_extremes_equal_numpy_min_and_max(rng):
    """The one read-back of the eager checks (`torch.aminmax` on torch, `ops.min`/`ops.max`
    elsewhere) against numpy, with a NaN-free tensor, a NaN one and a negative one."""
    from imagelosses.losses import _labels

    tensors = [rng.normal(size=(2, 5, 4, 3)), rng.random((3, 7)), -rng.random((1, 2, 2, 1)) - 4.0]
    expected = [v for x in tensors for v in (x.min(), x.max())]
    as_float32 = [keras.ops.convert_to_tensor(x.astype(np.float32)) for x in tensors]
    assert_close(_labels._extremes(as_float32), expected)
    with_nan = np.array([[0.5, np.nan], [0.25, 1.0]], np.float32)
    assert np.all(np.isnan(_labels._extremes([keras.ops.convert_to_tensor(with_nan)])))
    assert _labels._extremes([]) == []


def test_out_of_range_labels_under_jit_make_the_sample_nan():
    """Documented: under jit a label outside [0, K) makes its sample's value NaN."""
    y_true = np.array([0.0, 1.0, 7.0, 2.0, 0.0, 1.0, 2.0, 2.0]).reshape(2, 1, 4, 1)
    y_pred = np.full((2, 1, 4, 3), 1 / 3)
    expected = [np.nan, ref.reference_dice_loss(y_true[1:], y_pred[1:])[0]]
    if BACKEND == "jax":
        import jax

        value = jax.jit(lambda t, p: il.dice_loss(t, p))(y_true, y_pred)
    elif BACKEND == "tensorflow":
        import tensorflow as tf

        value = tf.function(lambda t, p: il.dice_loss(t, p))(y_true, y_pred)
    else:
        pytest.skip("the torch backend runs eagerly here (torch.compile is not exercised)")
    assert_close(value, expected)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: il.DiceLoss(smooth=-1.0), ValueError, "smooth"),
        (lambda: il.DiceLoss(smooth="1"), TypeError, "smooth"),
        (lambda: il.DiceLoss(class_weights=[1.0, 2.0]), ValueError, "class_weights"),
        (lambda: il.DiceLoss(ignore_class="void"), TypeError, "ignore_class"),
        (lambda: il.DiceLoss(per_image="yes"), TypeError, "per_image"),
        (lambda: il.TverskyLoss(alpha=-0.1), ValueError, "alpha"),
        (lambda: il.FocalLoss(alpha=2.0), ValueError, "alpha"),
        (lambda: il.FocalLoss(gamma=-1.0), ValueError, "gamma"),
        (lambda: il.LovaszSoftmaxLoss(classes="some"), ValueError, "classes"),
        (lambda: il.BoundaryWeightedBCEDiceLoss(pool_size=4), ValueError, "pool_size"),
        (lambda: il.ForgiveFalseNegatives(il.DiceLoss(), classes=[-1]), ValueError, "classes"),
    ],
    ids=[
        "smooth_negative",
        "smooth_string",
        "class_weights_length",
        "ignore_string",
        "per_image_string",
        "alpha_negative",
        "focal_alpha",
        "gamma",
        "lovasz_classes",
        "pool_size_even",
        "forgive_classes",
    ],
)
def test_bad_options_raise_named_errors(make, error, match, rng):
    y_true = rng.integers(0, 3, (1, 6, 6, 1)).astype(np.float64)
    y_pred = np.full((1, 6, 6, 3), 1 / 3)
    with pytest.raises(error, match=rf"(?s)`{match}`.*Received"):
        make().call(y_true, y_pred)


def test_labels_that_do_not_fit_the_predictions_raise():
    with pytest.raises(ValueError, match=r"(?s)one-hot.*Received"):
        il.dice_loss(np.zeros((1, 4, 4, 2)), np.full((1, 4, 4, 3), 1 / 3))


@pytest.mark.parametrize("log", [False, True])
def test_softmax_fast_path_equals_keras_softmax(log, rng):
    """`softmax_last` (a torch fast path on the torch backend) against keras.ops, with gradients."""
    from keras import ops

    from imagelosses.losses._labels import softmax_last

    z = rng.normal(0.0, 3.0, (2, 5, 7, 4)).astype(np.float32)
    weights = ops.convert_to_tensor(rng.normal(size=z.shape).astype(np.float32))
    expected = ops.log_softmax if log else ops.softmax
    assert_close(
        ops.convert_to_numpy(softmax_last(ops.convert_to_tensor(z), log=log)),
        ops.convert_to_numpy(expected(ops.convert_to_tensor(z), axis=-1)),
    )
    assert_close(
        gradient(lambda v: softmax_last(v, log=log) * weights, z),
        gradient(lambda v: expected(v, axis=-1) * weights, z),
    )
