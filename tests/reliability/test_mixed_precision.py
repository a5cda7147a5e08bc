"""Every contract case under the mixed_float16 and mixed_bfloat16 policies.

The model computes in float16/bfloat16 and the loss in float32. Stated tolerance: the loss of the
mixed-precision model is within 2% (float16) or 5% (bfloat16, 8 significant bits) of the same
model's float32 loss, with the same weights; training stays finite.
"""

import keras
import numpy as np
import pytest
from keras import ops

from imagelosses.cli.train import build_optimizer
from tests.conftest import compiled, to_numpy
from tests.contract.cases import ALL_CASES

RELATIVE_TOLERANCE = {"mixed_float16": 0.02, "mixed_bfloat16": 0.05}


def _model(case):
    inputs = keras.Input(shape=(case.size, case.size, 1))
    hidden = keras.layers.Conv2D(4, 3, padding="same", activation="tanh")(inputs)
    outputs = keras.layers.Conv2D(case.channels, 1, activation=case.head)(hidden)
    return keras.Model(inputs, outputs)


# On tensorflow, the graph path without XLA (`jit_compile=False`), as in the contract's fit test;
# the multi-device test (tests/reliability/test_multi_device.py) trains every case with XLA, so
# both of tensorflow's compiled paths train every case. With XLA this test took 1.7x as long
# there (7 cases: 34.4 s against 20.7 s).
JIT_COMPILE = False if keras.backend.backend() == "tensorflow" else "auto"


# Each case runs under one of the two policies, alternating along the catalogue, so both policies
# meet every family while the suite trains each case once (the loss casts its inputs to float32
# first, so the policies differ only in the model's rounding).
POLICIES = ("mixed_float16", "mixed_bfloat16")
CASES_AND_POLICIES = [(case, POLICIES[i % 2]) for i, case in enumerate(ALL_CASES)]


@pytest.mark.parametrize(
    "case, policy", CASES_AND_POLICIES, ids=[f"{p}-{c.name}" for c, p in CASES_AND_POLICIES]
)
def test_mixed_precision_trains_finite_and_close_to_float32(case, policy, rng):
    x = rng.random((4, case.size, case.size, 1)).astype("float32")
    y, _ = case.data(rng, (4, case.size, case.size, case.channels))
    full = _model(case)
    keras.mixed_precision.set_global_policy(policy)
    mixed = _model(case)
    mixed.set_weights(full.get_weights())
    # The float32 loss and the mixed model's loss of the same weights, in one compiled call (a
    # compiled `evaluate` of the mixed model was one more program per case; its batch of 4 is the
    # whole set, so its mean is this value). `fit` below goes through Keras's compiled loss.
    loss = case.make()
    reference, value = (
        float(v) for v in to_numpy(compiled(lambda v: ops.stack([loss(y, full(v)), loss(y, mixed(v))]))(x))
    )
    assert np.isfinite(value)
    # A loss that thresholds the detached prediction (Case.extra["thresholds_prediction"]: the
    # Hausdorff-distance loss's distance field of p > 0.5) jumps where a rounded p crosses 0.5,
    # so only its finiteness is checked here.
    if not case.extra.get("thresholds_prediction", False):
        assert abs(value - reference) <= RELATIVE_TOLERANCE[policy] * abs(reference) + 1e-4
    mixed.compile(optimizer=keras.optimizers.Adam(1e-3), loss=case.make(), jit_compile=JIT_COMPILE)
    build_optimizer(mixed)
    history = mixed.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert all(np.all(np.isfinite(to_numpy(w))) for w in mixed.trainable_weights)
