"""Registration losses: MONAI 1.6.1 per image, float64 references, known values, the documented
differences, errors, gradients, symbolic `None` batches and the regulariser on a second output.

`python -m tests.registration.test_registration_losses` prints the largest differences from
MONAI over the parity grid below on the active backend (the figures quoted in the report).
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

import imagelosses as il
from tests.conftest import BACKEND, assert_close, compiled, gradient, to_numpy
from tests.reference.registration import (
    reference_bending_energy,
    reference_diffusion,
    reference_global_mutual_information,
    reference_local_ncc,
)

SHAPES = {2: (3, 18, 16, 1), 3: (2, 9, 10, 8, 1)}


def _monai():
    return pytest.importorskip("monai.losses", reason="MONAI 1.6.1 (torch) is the peer of these losses")


def _images(rng, shape):
    t = rng.random(shape)
    return t, np.clip(0.6 * t + 0.4 * rng.random(shape), 0.0, 1.0)


def _field(rng, shape, dims):
    return rng.standard_normal(tuple(shape[:-1]) + (dims,))


def _first(x):
    return np.moveaxis(x, -1, 1)


def _per_image(values):
    return values.reshape(values.shape[0], -1).mean(axis=1)


def _torch(x):
    import torch

    return torch.tensor(np.asarray(x, np.float32))


# MONAI's calls, all in its layout (B, C, *spatial), `pred` first. Each returns float64 (B,).
def monai_local_ncc(t, p, dims, **options):
    loss = _monai().LocalNormalizedCrossCorrelationLoss(spatial_dims=dims, reduction="none", **options)
    return _per_image(loss(_torch(_first(p)), _torch(_first(t))).numpy().astype(np.float64))


def monai_mutual_information(t, p, **options):
    """One call per image: MONAI's b-spline range is the whole batch's (see the difference test)."""
    loss = _monai().GlobalMutualInformationLoss(reduction="none", **options)
    return np.array(
        [loss(_torch(_first(p[i : i + 1])), _torch(_first(t[i : i + 1]))).numpy()[0] for i in range(len(t))],
        np.float64,
    )


def monai_field(name, ddf, **options):
    loss = getattr(_monai(), name)(reduction="none", **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's notice about MONAI's list indexing
        return _per_image(loss(_torch(_first(ddf))).numpy().astype(np.float64))


def run(fn, *arrays, **options):
    """`fn(*arrays, **options)` as float64 numpy, compiled on jax (one compile, not one per op)."""
    return to_numpy(compiled(lambda *xs: fn(*xs, **options))(*arrays))


def _layout_call(fn, data_format, *arrays, **options):
    """`fn` on channels_last arrays, or on their channels_first copies."""
    if data_format == "channels_first":
        arrays = [_first(a) for a in arrays]
    return to_numpy(compiled(lambda *xs: fn(*xs, data_format=data_format, **options))(*arrays))


KERNEL_SIZES = (1, 3, 5, 7, 9)
# Two sizes per test (each call compiles once on jax): together the tests cover all of them.
TEST_KERNEL_SIZES = {2: (3, 7), 3: (1, 5)}
NCC_TYPES = ("rectangular", "triangular", "gaussian")
FORMATS = ("channels_last", "channels_first")


# --- parity with MONAI --------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("kernel_type", NCC_TYPES)
def test_local_ncc_equals_monai_per_image(dims, kernel_type, rng):
    t, p = _images(rng, SHAPES[dims])
    for i, size in enumerate(TEST_KERNEL_SIZES[dims]):
        options = dict(kernel_size=size, kernel_type=kernel_type)
        got = _layout_call(il.local_ncc_loss, FORMATS[i % 2], t, p, **options)
        assert_close(got, monai_local_ncc(t, p, dims, **options))


def test_local_ncc_smoothing_terms_equal_monai(rng):
    t, p = _images(rng, SHAPES[2])
    t[0, :6, :6] = 0.5  # a flat corner, where the variance floor applies
    options = dict(kernel_size=5, smooth_nr=1e-3, smooth_dr=1e-2)
    assert_close(run(il.local_ncc_loss, t, p, **options), monai_local_ncc(t, p, 2, **options))


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"num_bins": 8, "sigma_ratio": 1.5},
        {"kernel_type": "b-spline"},
        {"kernel_type": "b-spline", "num_bins": 7},
    ],
)
def test_global_mutual_information_equals_monai_per_image(dims, options, rng):
    t, p = _images(rng, SHAPES[dims])
    for data_format in FORMATS:
        got = _layout_call(il.global_mutual_information_loss, data_format, t, p, **options)
        assert_close(got, monai_mutual_information(t, p, **options))


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize(
    "fn, peer",
    [(il.bending_energy, "BendingEnergyLoss"), (il.diffusion_energy, "DiffusionLoss")],
    ids=["bending", "diffusion"],
)
def test_field_regularisers_equal_monai(fn, peer, dims, normalize, rng):
    shape = (2, 7, 9, 8, 1)[: dims + 1] + (1,)  # unequal sides: normalize scales each component
    ddf = _field(rng, shape, dims)
    for data_format in FORMATS:
        got = _layout_call(fn, data_format, ddf, normalize=normalize)
        assert_close(got, monai_field(peer, ddf, normalize=normalize))


# --- float64 references and known values ---------------------------------------------------------


def test_local_ncc_of_sequences_is_per_frame(rng):
    t, p = _images(rng, (2, 3, 12, 10, 2))
    got = run(il.local_ncc_loss, t, p, kernel_size=5, kernel_type="triangular", spatial_dims=2)
    expected = reference_local_ncc(
        t.reshape(6, 12, 10, 2), p.reshape(6, 12, 10, 2), 2, kernel_size=5, kernel_type="triangular"
    )
    assert_close(got, expected.reshape(2, 3))


def test_local_ncc_is_minus_one_for_a_scaled_image_and_sees_the_zero_padding(rng):
    t = rng.random((2, 12, 12, 1))
    assert_close(run(il.local_ncc_loss, t, 3.0 * t, kernel_size=5), [-1.0, -1.0])
    # an offset is not invariant at the border, where the windows include padded zeros (MONAI's)
    shifted = to_numpy(run(il.local_ncc_loss, t, 3.0 * t + 1.0, kernel_size=5))
    assert_close(shifted, reference_local_ncc(t, 3.0 * t + 1.0, 2, kernel_size=5))
    assert np.all(shifted > -0.99)
    flat = np.full_like(t, 0.5)
    # the local sums see the zero padding: the variance of a flat image is 0 inside only
    expected = reference_local_ncc(t, flat, 2, kernel_size=5)
    assert_close(run(il.local_ncc_loss, t, flat, kernel_size=5), expected)
    assert np.all(expected < 0)


def test_local_ncc_3_tap_triangular_window_is_one_pixel_and_scores_zero(rng):
    """MONAI's 3-tap triangle is [0, 1, 0]: one pixel, variance 0 (clamped), loss 0."""
    t, p = _images(rng, SHAPES[2])
    assert_close(run(il.local_ncc_loss, t, p, kernel_type="triangular"), np.zeros(3))


def test_mutual_information_of_sequences_is_per_frame(rng):
    t, p = _images(rng, (2, 3, 8, 8, 1))
    got = run(il.global_mutual_information_loss, t, p, kernel_type="b-spline", spatial_dims=2)
    expected = reference_global_mutual_information(
        t.reshape(6, 8, 8, 1), p.reshape(6, 8, 8, 1), kernel_type="b-spline"
    )
    assert_close(got, expected.reshape(2, 3))


def test_mutual_information_of_an_image_with_itself_is_its_entropy(rng):
    t = rng.random((1, 16, 16, 1))
    same = to_numpy(run(il.global_mutual_information_loss, t, t))
    other = to_numpy(run(il.global_mutual_information_loss, t, rng.random((1, 16, 16, 1))))
    assert same[0] < other[0] < 0.0
    assert_close(same, reference_global_mutual_information(t, t))


def test_gaussian_mutual_information_clips_to_the_unit_interval_with_zero_gradient_outside(rng):
    t, p = _images(rng, (1, 12, 12, 1))
    outside = p.copy()
    outside[0, :3] = rng.uniform(1.2, 2.0, (3, 12, 1))  # above 1: counted as 1
    outside[0, 3:5] = rng.uniform(-1.0, -0.1, (2, 12, 1))  # below 0: counted as 0
    clipped = np.clip(outside, 0.0, 1.0)
    assert_close(
        run(il.global_mutual_information_loss, t, outside), run(il.global_mutual_information_loss, t, clipped)
    )
    assert_close(run(il.global_mutual_information_loss, t, outside), monai_mutual_information(t, outside))
    grad = gradient(lambda v: il.global_mutual_information_loss(t, v), outside, jit=True)
    assert np.all(grad[0, :5] == 0.0)
    assert np.all(np.isfinite(grad)) and np.count_nonzero(grad[0, 5:]) > 0


def test_bspline_range_is_per_image_where_monai_takes_the_batch(rng):
    t, p = _images(rng, (2, 10, 10, 1))
    t[1], p[1] = 10.0 * t[1], 5.0 * p[1]  # image 1 spans another range
    ours = to_numpy(run(il.global_mutual_information_loss, t, p, kernel_type="b-spline"))
    assert_close(ours, monai_mutual_information(t, p, kernel_type="b-spline"))  # MONAI per image
    batch = _monai().GlobalMutualInformationLoss(kernel_type="b-spline", reduction="none")
    batched = batch(_torch(_first(p)), _torch(_first(t))).numpy()
    assert np.max(np.abs(batched - ours)) > 1e-2  # MONAI's value of image 0 depends on image 1


def test_bspline_constant_image_scores_zero_with_finite_gradient_where_monai_is_nan(rng):
    t, _ = _images(rng, (1, 10, 10, 1))
    flat = np.full_like(t, 0.3)
    assert_close(run(il.global_mutual_information_loss, t, flat, kernel_type="b-spline"), [0.0])
    assert np.isnan(monai_mutual_information(t, flat, kernel_type="b-spline")).all()
    grad = gradient(lambda v: il.global_mutual_information_loss(t, v, kernel_type="b-spline"), flat, jit=True)
    assert np.all(np.isfinite(grad))


def test_affine_fields_have_no_bending_energy_and_constant_fields_no_diffusion():
    x = np.linspace(-1.0, 1.0, 6)
    grid = np.stack(np.meshgrid(x, x, x, indexing="ij"), axis=-1)
    affine = (grid @ np.array([[0.5, 0.2, 0.0], [0.1, -0.3, 0.4], [0.0, 0.2, 1.0]]) + 0.7)[None]
    assert_close(run(il.bending_energy, affine), [0.0])
    assert to_numpy(run(il.diffusion_energy, affine))[0] > 0.0
    assert_close(run(il.diffusion_energy, np.full((1, 5, 6, 2), 3.0)), [0.0])
    quadratic = np.stack([np.square(grid[..., 0]), grid[..., 1], grid[..., 2]], axis=-1)[None]
    assert_close(run(il.bending_energy, quadratic), reference_bending_energy(quadratic, 3))


@pytest.mark.parametrize(
    "loss, reference",
    [(il.bending_energy_loss, reference_bending_energy), (il.diffusion_loss, reference_diffusion)],
    ids=["bending", "diffusion"],
)
def test_field_losses_ignore_y_true_and_handle_sequences(loss, reference, rng):
    ddf = _field(rng, (2, 3, 8, 7, 1), 2)  # (B, T, H, W, 2)
    expected = reference(ddf.reshape(6, 8, 7, 2), 2, normalize=True).reshape(2, 3)
    for y_true in (np.zeros_like(ddf), rng.random(ddf.shape)):
        assert_close(loss(y_true, ddf, normalize=True, spatial_dims=2), expected)


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, dims", [((2, 8, 8, 3), 2), ((2, 6, 6, 6, 2), 3), ((2, 3, 8, 8, 3), 2)])
def test_a_field_needs_one_channel_per_spatial_axis(shape, dims):
    ddf = np.zeros(shape)
    with pytest.raises(ValueError, match=rf"(?s)`y_pred`.*{dims} channels.*Received: y_pred.shape="):
        il.BendingEnergyLoss(spatial_dims=dims)(ddf, ddf)
    with pytest.raises(ValueError, match=r"(?s)`ddf`.*Received: ddf.shape="):
        il.diffusion_energy(ddf, spatial_dims=dims)


def test_channels_first_field_needs_its_channels_on_axis_1():
    with pytest.raises(ValueError, match="2 channels"):
        il.diffusion_loss(np.zeros((1, 8, 8, 2)), np.zeros((1, 8, 8, 2)), data_format="channels_first")


@pytest.mark.parametrize("fn", [il.bending_energy, il.diffusion_energy])
def test_a_field_needs_three_samples_per_axis(fn):
    with pytest.raises(ValueError, match=r"(?s)too small along axis 2.*at least 3 samples.*Received"):
        fn(np.zeros((1, 8, 2, 2)))
    assert to_numpy(fn(np.zeros((1, 3, 3, 2)))).shape == (1,)


def test_field_loss_checks_y_true_shape():
    with pytest.raises(ValueError, match="same shape"):
        il.diffusion_loss(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 2)))


@pytest.mark.parametrize(
    "make, error, option",
    [
        (lambda: il.LocalNCCLoss(kernel_size=4), ValueError, "kernel_size"),
        (lambda: il.LocalNCCLoss(kernel_size=-1), ValueError, "kernel_size"),
        (lambda: il.LocalNCCLoss(kernel_size=3.0), TypeError, "kernel_size"),
        (lambda: il.LocalNCCLoss(kernel_type="box"), ValueError, "kernel_type"),
        (lambda: il.LocalNCCLoss(smooth_dr=0.0), ValueError, "smooth_dr"),
        (lambda: il.LocalNCCLoss(smooth_nr=-1.0), ValueError, "smooth_nr"),
        (lambda: il.GlobalMutualInformationLoss(num_bins=1), ValueError, "num_bins"),
        (lambda: il.GlobalMutualInformationLoss(kernel_type="b-spline", num_bins=4), ValueError, "num_bins"),
        (lambda: il.GlobalMutualInformationLoss(kernel_type="parzen"), ValueError, "kernel_type"),
        (lambda: il.GlobalMutualInformationLoss(sigma_ratio=0.0), ValueError, "sigma_ratio"),
        (lambda: il.BendingEnergyLoss(normalize=1), TypeError, "normalize"),
    ],
)
def test_options_are_checked_at_construction(make, error, option):
    with pytest.raises(error, match=rf"`{option}`.*Received: {option}="):
        make()


# --- gradients, None batches, training -----------------------------------------------------------


def _directional(fn, reference, y_pred, rng, h=1e-4):
    direction = rng.standard_normal(y_pred.shape)
    plus, minus = reference(y_pred + h * direction), reference(y_pred - h * direction)
    numeric = (np.sum(plus) - np.sum(minus)) / (2 * h)
    analytic = np.sum(gradient(fn, y_pred, jit=True) * direction)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-3)


def test_gradients_match_central_differences_of_the_float64_references(rng):
    t, p = _images(rng, (2, 10, 10, 1))
    _directional(
        lambda v: il.local_ncc_loss(t, v, kernel_size=5, kernel_type="gaussian"),
        lambda v: reference_local_ncc(t, v, 2, kernel_size=5, kernel_type="gaussian"),
        p,
        rng,
    )
    _directional(
        lambda v: il.global_mutual_information_loss(t, v),
        lambda v: reference_global_mutual_information(t, v),
        p,
        rng,
    )
    ddf = _field(rng, (2, 7, 6, 1), 2)
    _directional(lambda v: il.bending_energy(v), lambda v: reference_bending_energy(v, 2), ddf, rng)
    _directional(
        lambda v: il.diffusion_energy(v, normalize=True),
        lambda v: reference_diffusion(v, 2, normalize=True),
        ddf,
        rng,
    )


def test_gradients_are_finite_at_the_edge_cases(rng):
    t, _ = _images(rng, (1, 10, 10, 1))
    t = np.repeat(t, 4, axis=0)  # one edge case per image: flat, zeros, ones, identical
    p = np.stack([np.full_like(t[0], 0.5), np.zeros_like(t[0]), np.ones_like(t[0]), t[0]])
    for fn in (
        lambda v: il.local_ncc_loss(t, v),
        lambda v: il.local_ncc_loss(t, v, kernel_type="triangular"),
        lambda v: il.global_mutual_information_loss(t, v),
        lambda v: il.global_mutual_information_loss(t, v, kernel_type="b-spline"),
    ):
        assert np.all(np.isfinite(gradient(fn, p, jit=True)))
    zeros = np.zeros((1, 5, 5, 2))
    assert np.all(np.isfinite(gradient(lambda v: il.bending_energy(v, normalize=True), zeros, jit=True)))


@pytest.mark.skipif(BACKEND != "tensorflow", reason="jax and torch trace with concrete batch sizes")
@pytest.mark.parametrize(
    "fn, channels",
    [
        (il.local_ncc_loss, 1),
        (il.global_mutual_information_loss, 1),
        (il.bending_energy_loss, 3),
        (il.diffusion_loss, 3),
    ],
    ids=["lncc", "mi", "bending", "diffusion"],
)
def test_a_none_batch_under_tf_function_jit(fn, channels, rng):
    import tensorflow as tf

    spec = tf.TensorSpec((None, 6, 7, 8, channels), tf.float32)
    traced = tf.function(fn, input_signature=[spec, spec], jit_compile=True)
    t, p = (a.astype("float32") for a in _images(rng, (3, 6, 7, 8, channels)))
    assert traced.get_concrete_function().structured_outputs.shape.as_list() == [None]
    assert_close(traced(t, p), fn(t, p))


def test_bending_energy_regularises_the_second_output_of_a_two_output_model(rng):
    inputs = keras.Input((12, 12, 1))
    hidden = keras.layers.Conv2D(4, 3, padding="same", activation="tanh")(inputs)
    image = keras.layers.Conv2D(1, 1, name="image")(hidden)
    field = keras.layers.Conv2D(2, 3, padding="same", name="field")(hidden)
    model = keras.Model(inputs, [image, field])
    weight = 0.25
    model.compile(
        optimizer=keras.optimizers.SGD(1e-2),
        loss=[keras.losses.MeanSquaredError(), il.BendingEnergyLoss()],
        loss_weights=[1.0, weight],
        jit_compile=BACKEND != "torch",  # jit with a None batch where Keras jits (torch: eager)
    )
    x = rng.random((4, 12, 12, 1)).astype("float32")
    targets = [x, np.zeros((4, 12, 12, 2), "float32")]  # the field's target: ignored zeros
    image_out, field_out = (to_numpy(o) for o in model(x))
    expected = np.mean((image_out - x) ** 2) + weight * np.mean(reference_bending_energy(field_out, 2))
    before = to_numpy(model.get_layer("field").kernel)
    history = model.fit(x, targets, batch_size=4, epochs=1, verbose=0)  # one step
    # the step's loss is computed before its update: MSE + weight * bending energy of the field
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-4)
    assert not np.array_equal(to_numpy(model.get_layer("field").kernel), before)


# --- the parity figures of the report --------------------------------------------------------------


def parity_table() -> dict:
    """Largest relative and absolute differences from MONAI over the grid above, per loss."""
    rng = np.random.default_rng(20261201)
    worst = {}

    def record(name, got, expected):
        got, expected = to_numpy(got), np.asarray(expected, np.float64)
        absolute = np.max(np.abs(got - expected))
        relative = np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1e-12))
        old = worst.get(name, (0.0, 0.0))
        worst[name] = (max(old[0], relative), max(old[1], absolute))

    for dims in (2, 3):
        t, p = _images(rng, SHAPES[dims])
        for kernel_type in NCC_TYPES:
            for size in KERNEL_SIZES + (9,):
                options = dict(kernel_size=size, kernel_type=kernel_type)
                record(
                    "local_ncc_loss",
                    il.local_ncc_loss(t, p, **options),
                    monai_local_ncc(t, p, dims, **options),
                )
        for options in (
            {},
            {"num_bins": 8},
            {"kernel_type": "b-spline"},
            {"kernel_type": "b-spline", "num_bins": 7},
        ):
            got = il.global_mutual_information_loss(t, p, **options)
            record("global_mutual_information_loss", got, monai_mutual_information(t, p, **options))
        ddf = _field(rng, SHAPES[dims], dims)
        for normalize in (False, True):
            record(
                "bending_energy",
                il.bending_energy(ddf, normalize=normalize),
                monai_field("BendingEnergyLoss", ddf, normalize=normalize),
            )
            record(
                "diffusion_energy",
                il.diffusion_energy(ddf, normalize=normalize),
                monai_field("DiffusionLoss", ddf, normalize=normalize),
            )
    return worst


if __name__ == "__main__":
    import monai

    for name, (relative, absolute) in parity_table().items():
        print(
            f"{BACKEND:<11} {name:<32} MONAI {monai.__version__}: "
            f"max relative {relative:.2e}, max absolute {absolute:.2e}"
        )
