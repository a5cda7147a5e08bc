"""The contract every registered loss keeps, on every backend.

Parametrized over `tests/contract/cases`: values against float64 references, one value per sample
and `sample_weight`, training with a `None` batch size (eager and jit), both data formats, 3D and
sequences, low-precision inputs, saving, partial and empty batches, and clear errors.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from imagelosses import LOSSES
from imagelosses.cli.train import build_optimizer
from tests.conftest import BACKEND, assert_close, compiled, to_numpy
from tests.contract.cases import ALL_CASES

CASES = {case.name: case for case in ALL_CASES}
BY_NAME = pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))


def test_every_registered_loss_has_a_contract_case():
    covered = {case.loss for case in ALL_CASES}
    assert set(LOSSES) <= covered, f"losses without a contract case: {set(LOSSES) - covered}"


def _shape(case, dims, batch=3):
    s, c = case.size, case.channels
    return {
        "2d": (batch, s, s, c),
        "3d": (batch, s // 2, s // 2, s // 2, c),
        "sequence": (batch, 2, s, s, c),
    }[dims]


def _channels_first(x, dims):
    return np.moveaxis(x, -1, 2 if dims == "sequence" else 1)


def _reference(case, y_true, y_pred, dims):
    if dims == "sequence":  # fold (B, T) into the batch, then unfold the per-frame values
        b, t = y_pred.shape[:2]
        fold = lambda y: y.reshape((b * t,) + y.shape[2:])  # noqa: E731
        return case.reference(fold(y_true), fold(y_pred), 2).reshape(b, t)
    return case.reference(y_true, y_pred, 3 if dims == "3d" else 2)


def _layout(dims, data_format="channels_last"):
    return {"data_format": data_format, "spatial_dims": 3 if dims == "3d" else 2}


# 1. Values against an independent float64 reference.
@BY_NAME
def test_value_matches_float64_reference(case, rng):
    y_true, y_pred = case.data(rng, _shape(case, "2d"))
    values = compiled(case.make(**_layout("2d")).call)(y_true, y_pred)
    assert_close(values, _reference(case, y_true, y_pred, "2d"))


# 2. One value per image; sample_weight removes an image.
@BY_NAME
def test_one_value_per_sample_and_sample_weight(case, rng):
    y_true, y_pred = case.data(rng, _shape(case, "2d", batch=4))
    loss = case.make(**_layout("2d"))
    # the values and the weighted loss from one program (one compile on jax)
    both = compiled(lambda t, p, w: (loss.call(t, p), loss(t, p, sample_weight=w)))
    expected = _reference(case, y_true, y_pred, "2d")
    weights = np.array([1.0, 0.0, 2.0, 1.0])
    values, weighted = both(y_true, y_pred, weights)
    assert tuple(values.shape) == (4,)
    assert_close(weighted, np.sum(weights * expected) / 4)
    changed = y_pred.copy()
    changed[1] = y_pred[0]  # the zero-weight image no longer matters
    assert_close(both(y_true, changed, weights)[1], np.sum(weights * expected) / 4)


# 3 and 8. Training with a None batch size, eager and jit, with a partial last batch.
def _model(case, jit):
    inputs = keras.Input(shape=(case.size, case.size, 1))
    hidden = keras.layers.Conv2D(4, 3, padding="same", activation="tanh")(inputs)
    outputs = keras.layers.Conv2D(
        case.channels, 1, activation=case.head, use_bias=not case.batch_invariant_bias
    )(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=case.make(),
        run_eagerly=not jit,
        jit_compile=jit and BACKEND != "tensorflow",
    )
    return build_optimizer(model)


# How each backend's users train. tensorflow: compiled, as a graph without XLA, Keras's default
# on a CPU-only machine; XLA (its default with a GPU and no tf.distribute) trains every case in the
# multi-device test's one-device run (tests/reliability), which also checks that every weight
# changes; the graph path took 37 s against 81 s for this test with XLA
# (`pytest -n 2 tests/contract -k test_fit_updates`, 2-core CPU). Eager Keras training runs on
# torch, and the eager label checks have their own tests. jax: jit only (run_eagerly=True
# dispatches op by op, compiling each op per shape: minutes over the registry), and that training
# is the multi-device test's one-device run, which asserts what this test does (every weight
# changes and stays finite), but with SGD on full batches of 4: this test's Adam and partial last
# batch are not checked on jax. This test skips there (it took 73 s and 141 s of two jax suite
# runs, per `--junitxml`). torch: eager only (jit_compile=True is torch.compile, 27-64 s per
# model here; the jax and tensorflow runs cover jit).
FIT_MODES = {"tensorflow": [True], "jax": [True], "torch": [False]}[BACKEND]


@BY_NAME
@pytest.mark.parametrize("jit", FIT_MODES, ids=["jit" if j else "eager" for j in FIT_MODES])
@pytest.mark.skipif(
    BACKEND == "jax",
    reason="on jax the one-device run of tests/reliability/test_multi_device.py trains every case "
    "under jit and asserts the same (every weight changes and stays finite), with SGD and full "
    "batches of 4 instead of this test's Adam and partial last batch",
)
def test_fit_updates_every_weight_with_finite_values(case, jit, rng):
    x = rng.random((6, case.size, case.size, 1))
    y_true, _ = case.data(rng, _shape(case, "2d", batch=6))
    model = _model(case, jit)
    before = [to_numpy(w) for w in model.trainable_weights]
    history = model.fit(x, y_true, batch_size=5, epochs=2, verbose=0, shuffle=False)
    assert np.all(np.isfinite(history.history["loss"]))
    for w, old in zip(model.trainable_weights, before):
        new = to_numpy(w)
        assert np.all(np.isfinite(new)), w.path
        assert not np.array_equal(new, old), f"{w.path} did not change: zero or missing gradient"


# 4. Both data formats give the same values.
@BY_NAME
@pytest.mark.parametrize("dims", ["2d", "3d", "sequence"])
def test_channels_first_equals_channels_last(case, dims, rng):
    if dims not in case.dims:
        pytest.skip(f"{case.loss} does not support {dims} inputs (Case.dims)")
    y_true, y_pred = case.data(rng, _shape(case, dims, batch=2))
    last_loss, first_loss = case.make(**_layout(dims)), case.make(**_layout(dims, "channels_first"))
    # both layouts in one program (one compile on jax)
    last, first = compiled(lambda t, p, t1, p1: (last_loss.call(t, p), first_loss.call(t1, p1)))(
        y_true, y_pred, _channels_first(y_true, dims), _channels_first(y_pred, dims)
    )
    assert_close(first, to_numpy(last))


# 5. 3D volumes and folded sequences.
@BY_NAME
@pytest.mark.parametrize("dims", ["3d", "sequence"])
def test_volumes_and_sequences_match_reference(case, dims, rng):
    if dims not in case.dims:
        pytest.skip(f"{case.loss} does not support {dims} inputs (Case.dims)")
    y_true, y_pred = case.data(rng, _shape(case, dims, batch=2))
    values = compiled(case.make(**_layout(dims)).call)(y_true, y_pred)
    expected = _reference(case, y_true, y_pred, dims)
    assert tuple(values.shape) == expected.shape
    # A case may widen the volumes' absolute tolerance, saying why (Case.extra["volume_atol"]).
    widened = {"atol": case.extra["volume_atol"]} if dims == "3d" and "volume_atol" in case.extra else {}
    assert_close(values, expected, **widened)


# 6. float16 and bfloat16 inputs are computed in float32.
@BY_NAME
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_inputs_compute_in_float32(case, dtype, rng):
    y_true, y_pred = case.data(rng, _shape(case, "2d"))
    low_true, low_pred = ops.cast(y_true, dtype), ops.cast(y_pred, dtype)
    loss = case.make(**_layout("2d"))
    values = compiled(loss.call)(low_true, low_pred)
    assert keras.backend.standardize_dtype(values.dtype) == "float32"
    rounded = [to_numpy(ops.cast(v, "float32")) for v in (low_true, low_pred)]
    assert_close(values, _reference(case, *rounded, "2d"))  # float32 compute on the rounded inputs
    assert_close(values, _reference(case, y_true, y_pred, "2d"), dtype=dtype)


# 7. model.save / load_model with no custom_objects.
@BY_NAME
def test_saved_model_restores_the_loss(case, rng, tmp_path):
    y_true, y_pred = case.data(rng, _shape(case, "2d"))
    model = _model(case, jit=False)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored.loss) is type(model.loss)
    assert restored.loss.get_config() == model.loss.get_config()
    # both losses in one program (one compile on jax)
    got, want = compiled(lambda t, p: (restored.loss(t, p), model.loss(t, p)))(y_true, y_pred)
    assert_close(got, to_numpy(want))


# 8. An empty batch.
@BY_NAME
def test_empty_batch_gives_no_values_and_zero_loss(case, rng):
    y_true, y_pred = case.data(rng, _shape(case, "2d", batch=0))
    loss = case.make(**_layout("2d"))
    values, total = compiled(lambda t, p: (loss.call(t, p), loss(t, p)))(y_true, y_pred)  # one program
    assert tuple(values.shape) == (0,)
    assert float(to_numpy(total)) == 0.0


# 9. Bad input: clear errors naming the argument and what was received.
@BY_NAME
def test_mismatched_shapes_raise(case, rng):
    y_true, _ = case.data(rng, _shape(case, "2d"))
    _, y_pred = case.data(rng, (3, case.size + 2, case.size, case.channels))
    with pytest.raises(ValueError, match=r"(?s)shape.*Received"):
        case.make().call(y_true, y_pred)


@BY_NAME
def test_wrong_rank_raises(case, rng):
    y_true, y_pred = case.data(rng, _shape(case, "2d"))
    with pytest.raises(ValueError, match=r"(?s)rank.*Received"):
        case.make().call(y_true.reshape(3, -1), y_pred.reshape(3, -1))


@BY_NAME
@pytest.mark.parametrize("option, value", [("data_format", "channels_middle"), ("spatial_dims", 4)])
def test_unknown_layout_option_raises(case, option, value, rng):
    y_true, y_pred = case.data(rng, _shape(case, "2d"))
    with pytest.raises(ValueError, match=rf"(?s)`{option}`.*Received: {option}="):
        case.make(**{option: value}).call(y_true, y_pred)
