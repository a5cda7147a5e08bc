"""Fixed-filter layers: no weights, shapes, serialization, and the multi-output recipe."""

import keras
import numpy as np
import pytest

import imagelosses
from imagelosses.layers import Laplacian, SobelEdges
from tests.conftest import assert_close, to_numpy
from tests.reference.filters import reference_gradient_magnitude, reference_laplacian, reference_sobel


@pytest.mark.parametrize(
    "layer, shape, expected_shape",
    [
        (SobelEdges(), (2, 8, 8, 3), (2, 8, 8, 3, 2)),
        (SobelEdges(magnitude=True, mode="valid"), (2, 8, 8, 3), (2, 6, 6, 3)),
        (SobelEdges(), (2, 4, 6, 6, 1), (2, 4, 6, 6, 1, 3)),
        (Laplacian(diagonals=True), (2, 4, 6, 6, 1), (2, 4, 6, 6, 1)),
        (Laplacian(mode="valid", data_format="channels_first"), (2, 3, 8, 8), (2, 3, 6, 6)),
    ],
)
def test_layers_have_no_weights_and_the_declared_output_shape(layer, shape, expected_shape, rng):
    layer.trainable = True
    out = layer(rng.random(shape))
    assert layer.weights == []
    assert tuple(out.shape) == expected_shape
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected_shape[1:]


def test_layer_values_match_scipy(rng):
    x = rng.random((2, 9, 9, 2))
    assert_close(SobelEdges()(x), reference_sobel(x))
    assert_close(SobelEdges(magnitude=True, mode="mirror")(x), reference_gradient_magnitude(x, "mirror"))
    assert_close(Laplacian(diagonals=True, mode="nearest")(x), reference_laplacian(x, "nearest", 2, True))


def test_multi_output_recipe_trains_and_round_trips(rng, tmp_path):
    x = rng.random((8, 16, 16, 1)).astype("float32")
    y = np.clip(x + 0.1, 0, 1).astype("float32")
    inputs = keras.Input((16, 16, 1))
    hidden = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    image = keras.layers.Conv2D(1, 3, padding="same", name="image")(hidden)
    edges = SobelEdges(magnitude=True, name="edges")(image)
    model = keras.Model(inputs, {"image": image, "edges": edges})
    model.compile(
        optimizer="adam", loss={"image": "mse", "edges": "mae"}, loss_weights={"image": 1.0, "edges": 0.2}
    )
    history = model.fit(x, {"image": y, "edges": imagelosses.gradient_magnitude(y)}, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    path = tmp_path / "multi.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored.get_layer("edges"), SobelEdges)
    assert_close(restored(x)["edges"], to_numpy(model(x)["edges"]))


def test_bad_mode_raises_at_construction():
    with pytest.raises(ValueError, match=r"`mode`.*Received: mode='same'"):
        SobelEdges(mode="same")
