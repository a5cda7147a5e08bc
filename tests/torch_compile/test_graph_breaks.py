"""torch.compile traces every registered loss as one graph: no graph breaks.

`torch._dynamo.explain` runs dynamo's tracer over one call of each contract case's loss function
(`loss.call`, small 2D inputs) without compiling, and counts the breaks; one test traces the whole
`Loss.__call__` a compiled train step runs (sample weights, Keras's reduction), which every loss
shares (tracing is the cost: about 0.3 s more per case through `__call__`). Each break splits a
compiled step into graphs with Python in between, and a data-dependent one also recompiles:
SobelLoss broke 15 times a call on the filters' numpy taps, and its first compiled train step
took 22.4 s, 7.1 s without the breaks (`python -m benchmarks.torch_compile`, loaded 2-core CPU).
The label checks that read values on the host run only eagerly (`_labels._is_concrete` is False
under `torch.compiler.is_compiling()`); under compile, out-of-range labels give NaN, as under jax
and tensorflow jit.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import BACKEND
from tests.contract.cases import ALL_CASES

pytestmark = pytest.mark.skipif(
    BACKEND != "torch", reason="torch.compile and torch._dynamo.explain belong to the torch backend"
)

CASES = {case.name: case for case in ALL_CASES}


def _where(reason) -> str:
    """`first line of the reason @ file:line` of one graph break, for the failure message."""
    frame = reason.user_stack[-1] if reason.user_stack else None
    place = f"{frame.filename.split('src/')[-1]}:{frame.lineno}" if frame is not None else "?"
    return f"{reason.reason.splitlines()[0]} @ {place}"


def _tensor(x):
    import torch

    x = np.asarray(x)
    return torch.as_tensor(x, dtype=torch.float32 if x.dtype.kind == "f" else None)


def _assert_one_graph(fn, *inputs):
    import torch._dynamo

    torch._dynamo.reset()
    explanation = torch._dynamo.explain(fn)(*inputs)
    breaks = [_where(r) for r in explanation.break_reasons]
    assert explanation.graph_break_count == 0, f"{explanation.graph_break_count} graph breaks: {breaks}"


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_loss_traces_without_graph_breaks(case, rng):
    y_true, y_pred = case.data(rng, (2, case.size, case.size, case.channels))
    loss = case.make(data_format="channels_last", spatial_dims=2)
    _assert_one_graph(loss.call, _tensor(y_true), _tensor(y_pred))


def test_keras_call_with_sample_weight_traces_without_graph_breaks(rng):
    """The train step's whole call. (A break under Keras's name scope would be counted but not
    listed: dynamo gives up on that frame; `loss.call` names it.)"""
    case = CASES["ssim_default_window"]
    y_true, y_pred = case.data(rng, (2, case.size, case.size, case.channels))
    loss = case.make(data_format="channels_last", spatial_dims=2)
    call = lambda t, p, w: loss(t, p, sample_weight=w)  # noqa: E731
    _assert_one_graph(call, _tensor(y_true), _tensor(y_pred), _tensor([1.0, 0.5]))
