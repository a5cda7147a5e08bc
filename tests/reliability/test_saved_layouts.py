"""Every contract case keeps its layout across a save: built and saved under channels_first, loaded
under channels_last, it computes the same value on the same channels_first inputs.

The loss is built without a `data_format`, so the saved config holds the one it resolved when it
was constructed (a config holding `None` made the reloaded loss read the inputs in the other
layout: SobelLoss 1.994 before the save, 4.710 after).
"""

import keras
import numpy as np
import pytest

from tests.conftest import compiled, to_numpy
from tests.contract.cases import ALL_CASES


def _channels_first(array):
    return np.moveaxis(array, -1, 1) if array.ndim == 4 else array


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_saved_under_channels_first_computes_the_same_under_channels_last(case):
    rng = np.random.default_rng(11)
    y_true, y_pred = case.data(rng, (2, case.size, case.size, case.channels))
    y_true = _channels_first(np.asarray(y_true, "float32"))
    y_pred = _channels_first(np.asarray(y_pred, "float32"))
    previous = keras.config.image_data_format()
    try:
        keras.config.set_image_data_format("channels_first")
        loss = case.make(spatial_dims=2)
        expected = to_numpy(compiled(loss.call)(y_true, y_pred))
        config = keras.saving.serialize_keras_object(loss)
        keras.config.set_image_data_format("channels_last")
        reloaded = keras.saving.deserialize_keras_object(config)
        actual = to_numpy(compiled(reloaded.call)(y_true, y_pred))
        np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-7)
    finally:
        keras.config.set_image_data_format(previous)
