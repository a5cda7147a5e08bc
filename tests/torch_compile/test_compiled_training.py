"""torch.compile runs the 3x3 filter's torch path forward and backward, equal to eager.

`_conv.torch_correlate3x3` (Sobel, Laplacian and GMSD's Prewitt) pads with one `F.pad` and runs a
grouped `conv2d`. Under torch.compile (torch 2.13 on the CPU), inductor's kernel for the backward
of a "replicate" `F.pad` asserted NCHW-contiguous strides on a gradient the convolution's backward
gave channels_last, so a compiled train step of `SobelLoss` or `LaplacianLoss` (their default
"reflect" mode) failed in either data format (`python -m benchmarks.torch_compile` stopped there).
The reference is the same function run eagerly; its own values are checked against separable
`correlate1d` passes in tests/filters.
"""

from __future__ import annotations

import numpy as np
import pytest

import imagelosses
from imagelosses.filters import _conv
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "torch", reason="torch.compile belongs to the torch backend")

KERNELS = _conv.static_kernels([[[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.arange(9.0).reshape(3, 3) - 4])


def _values_and_gradients(fn, inputs):
    """`fn(*inputs)` (a vector) and the gradient of its sum with respect to each input."""
    import torch

    leaves = [x.detach().clone().requires_grad_(True) for x in inputs]
    values = fn(*leaves)
    grads = torch.autograd.grad(torch.sum(values), leaves)
    return values.detach().numpy().astype(np.float64), [g.numpy().astype(np.float64) for g in grads]


FORMATS = ("channels_last", "channels_first")
MODES = ("reflect", "nearest", "mirror", "constant", "valid")


def test_compiled_3x3_filter_and_its_gradient_equal_eager(rng):
    """Every mode in both data formats, each on its own input, in one compiled program: one
    inductor compile instead of ten (ten separate programs took 102 s of a `make test` torch run,
    per `--junitxml`). Each input's gradient comes from its own filter alone."""
    import torch

    torch._dynamo.reset()
    combos = [(mode, data_format) for data_format in FORMATS for mode in MODES]
    shapes = {"channels_last": (2, 9, 10, 3), "channels_first": (2, 3, 9, 10)}
    inputs = [torch.tensor(rng.random(shapes[f]), dtype=torch.float32) for _, f in combos]

    def totals(*xs):  # weighted sums, so each output position has its own gradient
        out = []
        for x, (mode, data_format) in zip(xs, combos):
            filtered = _conv.torch_correlate3x3(x, KERNELS, mode, data_format)
            weights = torch.linspace(0.5, 1.5, filtered.numel()).reshape(filtered.shape)
            out.append(torch.sum(weights * filtered**2))
        return torch.stack(out)

    eager_values, eager_grads = _values_and_gradients(totals, inputs)
    compiled_values, compiled_grads = _values_and_gradients(torch.compile(totals), inputs)
    np.testing.assert_allclose(compiled_values, eager_values, rtol=1e-5)
    failures = []
    for (mode, data_format), got, want in zip(combos, compiled_grads, eager_grads):
        gap = np.max(np.abs(got - want)) / np.max(np.abs(want))
        if not gap <= 1e-5:
            failures.append(f"{mode}/{data_format}: gradient gap {gap:.2e} relative to its largest")
    assert not failures, failures


def test_compiled_sobel_loss_trains_like_eager(rng):
    """One Keras train step with `jit_compile=True` (torch.compile) moves the weights as eager does
    (one loss: LaplacianLoss and GMSD reach the same filter path, tested above; a compiled train
    step costs about 20 s here)."""
    import keras
    import torch

    torch._dynamo.reset()
    x = rng.random((2, 12, 12, 3)).astype("float32")
    y = np.clip(0.8 * x + 0.2 * rng.random(x.shape), 0, 1).astype("float32")
    weights = []
    for jit in (False, True):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((12, 12, 3))
        model = keras.Model(inputs, keras.layers.Conv2D(3, 3, padding="same")(inputs))
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=imagelosses.SobelLoss(), jit_compile=jit)
        model.train_on_batch(x, y)
        weights.append([keras.ops.convert_to_numpy(w) for w in model.trainable_weights])
    for compiled, eager in zip(*reversed(weights)):
        np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-6)
