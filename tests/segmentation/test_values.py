"""Every segmentation loss against the float64 references: binary and multi-class, 2D and 3D,
integer and one-hot labels, probabilities and logits, ignore_class, class_weights, per_image."""

import inspect

import numpy as np
import pytest

import imagelosses as il
from tests.conftest import assert_close, compiled, gradient, to_numpy
from tests.reference import segmentation as ref

VOID = 255


def make_data(rng, shape, *, logits=False, void=False, onehot=False):
    """`shape = (N, *spatial, K)`: integer labels (one-hot if asked) and predictions."""
    k = shape[-1]
    labels = rng.integers(0, max(k, 2), shape[:-1] + (1,)).astype(np.float64)
    if void:
        labels[rng.random(labels.shape) < 0.2] = VOID
    noise = rng.normal(0.0, 1.5, shape)
    clean = np.clip(labels[..., 0], 0, max(k, 2) - 1).astype(int)
    z = noise + (2.0 * (labels == 1) - 1.0 if k == 1 else 2.0 * np.eye(k)[clean])
    y_pred = z if logits else ref.probabilities(z, from_logits=True)
    y_true = np.eye(k)[clean] if onehot and k > 1 else labels
    return y_true, y_pred


LOSSES = {
    "dice": (il.dice_loss, ref.reference_dice_loss, {}),
    "dice_squared_log": (il.dice_loss, ref.reference_dice_loss, {"squared": True, "log": True}),
    "jaccard": (il.jaccard_loss, ref.reference_jaccard_loss, {"smooth": 0.5}),
    "tversky": (il.tversky_loss, ref.reference_tversky_loss, {"alpha": 0.2, "beta": 0.8}),
    "focal_tversky": (il.focal_tversky_loss, ref.reference_focal_tversky_loss, {"gamma": 1.5}),
    "generalized_dice": (il.generalized_dice_loss, ref.reference_generalized_dice_loss, {}),
    "cross_entropy": (il.cross_entropy_loss, ref.reference_cross_entropy_loss, {}),
    "focal": (il.focal_loss, ref.reference_focal_loss, {"gamma": 2.0, "alpha": 0.25}),
    "lovasz_softmax": (il.lovasz_softmax_loss, ref.reference_lovasz_softmax_loss, {}),
    "lovasz_softmax_all": (il.lovasz_softmax_loss, ref.reference_lovasz_softmax_loss, {"classes": "all"}),
    "lovasz_hinge": (il.lovasz_hinge_loss, ref.reference_lovasz_hinge_loss, {}),
    "boundary": (
        il.boundary_weighted_bce_dice_loss,
        ref.reference_boundary_weighted_bce_dice_loss,
        {"pool_size": 3},
    ),
}
VARIANTS = {
    "binary_2d": dict(shape=(2, 8, 8, 1)),
    "multiclass_2d_void_weights": dict(
        shape=(3, 8, 8, 3), void=True, options=dict(ignore_class=VOID, class_weights=[0.5, 1.0, 2.0])
    ),
    "multiclass_3d_batch_logits": dict(
        shape=(2, 4, 4, 4, 3), logits=True, options=dict(per_image=False, from_logits=True)
    ),
    "onehot_no_background": dict(shape=(2, 8, 8, 4), onehot=True, options=dict(include_background=False)),
}


@pytest.mark.parametrize("variant", list(VARIANTS), ids=list(VARIANTS))
@pytest.mark.parametrize("name", list(LOSSES), ids=list(LOSSES))
def test_loss_matches_float64_reference(name, variant, rng):
    fn, reference, options = LOSSES[name]
    v = VARIANTS[variant]
    y_true, y_pred = make_data(
        rng,
        v["shape"],
        logits=v.get("logits", False),
        void=v.get("void", False),
        onehot=v.get("onehot", False),
    )
    options = {**options, **v.get("options", {})}
    if name == "lovasz_hinge":
        options.setdefault("from_logits", False)  # hinge defaults to logits; data may be probs
    spatial_dims = len(v["shape"]) - 2
    values = compiled(lambda t, p: fn(t, p, spatial_dims=spatial_dims, **options))(y_true, y_pred)
    assert tuple(values.shape) == (v["shape"][0],)
    assert_close(values, reference(y_true, y_pred, **options))


@pytest.mark.parametrize("name", list(LOSSES), ids=list(LOSSES))
def test_gradient_matches_float64_central_differences(name, rng):
    """The directional derivative along a random direction, against the float64 reference."""
    fn, reference, options = LOSSES[name]
    options = {**options, "from_logits": True}
    y_true, z = make_data(rng, (2, 6, 6, 3) if name != "lovasz_hinge" else (2, 6, 6, 1), logits=True)
    z = z.astype(np.float32).astype(np.float64)  # the point autodiff sees, exactly
    direction = rng.standard_normal(z.shape)
    h = 1e-5  # the Lovasz losses are piecewise smooth: a step this small stays on one piece
    numeric = (
        np.sum(reference(y_true, z + h * direction, **options))
        - np.sum(reference(y_true, z - h * direction, **options))
    ) / (2 * h)
    analytic = np.sum(gradient(lambda v: fn(y_true, v, **options), z) * direction)
    assert abs(analytic - numeric) <= 1e-3 * max(1.0, abs(numeric)), (analytic, numeric)


@pytest.mark.parametrize("name", ["dice", "focal", "lovasz_softmax", "generalized_dice"])
def test_sequences_give_one_value_per_frame(name, rng):
    fn, reference, options = LOSSES[name]
    y_true, y_pred = make_data(rng, (2, 3, 6, 6, 3))
    values = fn(y_true, y_pred, spatial_dims=2, **options)
    assert tuple(values.shape) == (2, 3)
    folded = reference(y_true.reshape(6, 6, 6, 1), y_pred.reshape(6, 6, 6, 3), **options)
    assert_close(values, folded.reshape(2, 3))


@pytest.mark.parametrize("name", ["dice", "cross_entropy", "lovasz_softmax"])
def test_labels_without_channel_axis_and_channels_first(name, rng):
    fn, _, options = LOSSES[name]
    y_true, y_pred = make_data(rng, (2, 6, 6, 3))
    expected = to_numpy(fn(y_true, y_pred, **options))
    assert_close(fn(y_true[..., 0], y_pred, **options), expected)
    first = fn(
        np.moveaxis(y_true, -1, 1), np.moveaxis(y_pred, -1, 1), data_format="channels_first", **options
    )
    assert_close(first, expected)
    assert_close(
        fn(y_true[..., 0], np.moveaxis(y_pred, -1, 1), data_format="channels_first", **options), expected
    )


def test_pixel_weight_map_function_and_weight_channel_agree(rng):
    y_true, y_pred = make_data(rng, (2, 6, 6, 3))
    weights = rng.uniform(0.0, 3.0, (2, 6, 6))
    expected = ref.reference_focal_loss(y_true, y_pred, pixel_weights=weights)
    assert_close(il.focal_loss(y_true, y_pred, pixel_weights=weights), expected)
    stacked = np.concatenate([y_true, weights[..., None]], axis=-1)
    assert_close(il.FocalLoss(weight_channel=True).call(stacked, y_pred), expected)


CLASSES = [
    (il.DiceLoss, il.dice_loss, dict(smooth=0.5, log=True)),
    (il.GeneralizedDiceLoss, il.generalized_dice_loss, dict(include_background=False)),
    (il.JaccardLoss, il.jaccard_loss, dict(per_image=False)),
    (il.TverskyLoss, il.tversky_loss, dict(alpha=0.7, beta=0.3)),
    (il.FocalTverskyLoss, il.focal_tversky_loss, dict(gamma=1.2)),
    (il.FocalLoss, il.focal_loss, dict(gamma=1.0, ignore_class=VOID)),
    (il.CrossEntropyLoss, il.cross_entropy_loss, dict(class_weights=[1.0, 2.0, 3.0])),
    (il.LovaszSoftmaxLoss, il.lovasz_softmax_loss, dict(classes="all")),
    (il.LovaszHingeLoss, il.lovasz_hinge_loss, dict(from_logits=False)),
    (il.BoundaryWeightedBCEDiceLoss, il.boundary_weighted_bce_dice_loss, dict(pool_size=3)),
]


@pytest.mark.parametrize("cls, fn, options", CLASSES, ids=[c[0].__name__ for c in CLASSES])
def test_class_equals_function_and_options_are_keyword_only(cls, fn, options, rng):
    y_true, y_pred = make_data(rng, (2, 6, 6, 3), void=True)
    options = {"ignore_class": VOID, **options}
    assert_close(cls(**options).call(y_true, y_pred), to_numpy(fn(y_true, y_pred, **options)))
    parameters = list(inspect.signature(fn).parameters.values())
    assert [p.name for p in parameters[:2]] == ["y_true", "y_pred"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[2:])
    config = cls(**options).get_config()
    assert cls.from_config(config).get_config() == config
