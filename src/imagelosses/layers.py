"""Fixed-filter layers with no weights at all.

`SobelEdges` and `Laplacian` hold no variables, so `trainable=True`, BatchNormalization or an
optimizer can never change their filters. They serve the multi-output recipe: a model outputs an
image and its edge map, and each head gets its own loss and `loss_weights`:

    image = keras.layers.Conv2D(1, 3, padding="same")(features)
    edges = imagelosses.layers.SobelEdges(magnitude=True, name="edges")(image)
    model = keras.Model(inputs, {"image": image, "edges": edges})
    model.compile(loss={"image": "mse", "edges": "mae"}, loss_weights={"image": 1.0, "edges": 0.2})
"""

from __future__ import annotations

import keras

from imagelosses import _checks
from imagelosses._registry import register_layer
from imagelosses._shapes import resolve_data_format, resolve_layout
from imagelosses._types import Tensor
from imagelosses.filters import _conv
from imagelosses.filters.edges import gradient_magnitude, laplacian, sobel


class _FixedFilter(keras.layers.Layer):
    def __init__(
        self, mode: str = "reflect", data_format: str | None = None, spatial_dims: int | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        _conv.check_mode(mode)
        self.mode = mode
        # resolved now, as Keras's own layers do, so a saved model keeps its layout
        self.data_format = resolve_data_format(data_format)
        self.spatial_dims = _checks.spatial_dims("spatial_dims", spatial_dims)

    def _layout(self, input_shape):
        return resolve_layout(input_shape, data_format=self.data_format, spatial_dims=self.spatial_dims)

    def _filtered_shape(self, input_shape):
        shape = list(input_shape)
        if self.mode == "valid":
            for axis in self._layout(input_shape).spatial_axes:
                shape[axis] = None if shape[axis] is None else shape[axis] - 2
        return tuple(shape)

    def _options(self):
        return dict(mode=self.mode, data_format=self.data_format, spatial_dims=self.spatial_dims)

    def get_config(self):
        return {**super().get_config(), **self._options()}


@register_layer
class SobelEdges(_FixedFilter):
    """Sobel derivatives (`imagelosses.filters.sobel`) or, with `magnitude=True`, their norm.

    Output: the input's shape plus a last axis of one component per spatial axis, or the input's
    shape with `magnitude=True` (each spatial side shrinks by 2 with mode="valid").

    Args:
        magnitude: False (default): the Sobel components; True: their norm, input-shaped.
        mode: boundary handling, "reflect" (default), "mirror", "nearest", "constant" or "valid".
        data_format: "channels_last" or "channels_first"; default `keras.config.image_data_format()`,
            resolved when the layer is built and stored in its config.
        spatial_dims: 2 or 3; default from the rank (4 -> 2, 5 -> 3).
        **kwargs: as for every `keras.layers.Layer` (`name`, `dtype`, ...).

    Example:
        >>> layer = SobelEdges(magnitude=True)
        >>> keras.ops.shape(layer(np.zeros((2, 16, 16, 3), "float32")))
        (2, 16, 16, 3)
    """

    def __init__(
        self,
        magnitude: bool = False,
        mode: str = "reflect",
        data_format: str | None = None,
        spatial_dims: int | None = None,
        **kwargs,
    ):
        super().__init__(mode=mode, data_format=data_format, spatial_dims=spatial_dims, **kwargs)
        self.magnitude = _checks.boolean("magnitude", magnitude)

    def call(self, inputs: Tensor) -> Tensor:
        fn = gradient_magnitude if self.magnitude else sobel
        return fn(inputs, **self._options())

    def compute_output_shape(self, input_shape):
        shape = self._filtered_shape(input_shape)
        if self.magnitude:
            return shape
        return shape + (self._layout(input_shape).spatial_dims,)

    def get_config(self):
        return {**super().get_config(), "magnitude": self.magnitude}


@register_layer
class Laplacian(_FixedFilter):
    """The Laplacian (`imagelosses.filters.laplacian`) of each channel; output shaped as input.

    Args:
        diagonals: False (default): the cross stencil; True: every neighbour weighs 1.
        mode: boundary handling, "reflect" (default), "mirror", "nearest", "constant" or "valid"
            (each spatial side shrinks by 2).
        data_format: "channels_last" or "channels_first"; default `keras.config.image_data_format()`,
            resolved when the layer is built and stored in its config.
        spatial_dims: 2 or 3; default from the rank (4 -> 2, 5 -> 3).
        **kwargs: as for every `keras.layers.Layer` (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        diagonals: bool = False,
        mode: str = "reflect",
        data_format: str | None = None,
        spatial_dims: int | None = None,
        **kwargs,
    ):
        super().__init__(mode=mode, data_format=data_format, spatial_dims=spatial_dims, **kwargs)
        self.diagonals = _checks.boolean("diagonals", diagonals)

    def call(self, inputs: Tensor) -> Tensor:
        return laplacian(inputs, diagonals=self.diagonals, **self._options())

    def compute_output_shape(self, input_shape):
        return self._filtered_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "diagonals": self.diagonals}
