"""torch: a Keras training step with `jit_compile=True` (torch.compile) against eager, per loss.

    KERAS_BACKEND=torch python -m benchmarks.torch_compile [--size 64] [--batch 4] [--json out.json]

The step is `model.train_on_batch` of a small conv net (Conv2D 8 3x3 tanh, Conv2D 3 1x1) on
`(batch, size, size, 3)` images in [0, 1] with the loss as its training loss: forward, loss,
backward and the Adam update, as `fit` runs them. For each loss and mode it reports the first
call (compilation included, seconds), then the median and 10-90% spread of the following calls
after warm-up (ms; the harness's `measure`), and the graph breaks `torch._dynamo.explain` counts
in the loss (0: one graph). Not part of `make bench` (torch only; the other backends' jit is
measured by the bench_* families).

    KERAS_BACKEND=torch python -m benchmarks.torch_compile --every-case

compiles instead every contract case's loss (tests/contract/cases.py, a batch of 2 small 2D
images) forward and backward with `torch.compile`, and prints per case the compile time, the
value's absolute difference from eager and the gradient's largest difference relative to its
largest magnitude; it exits with status 1 if a case fails to compile or differs by more than 1e-5.
About ten minutes on a 2-core CPU, so the suite compiles only the 3x3 filter's paths
(tests/torch_compile/test_compiled_training.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import keras
import numpy as np

from benchmarks.harness import BACKEND, environment, measure

LOSSES = {
    "SSIMLoss": lambda: __import__("imagelosses").SSIMLoss(),
    "SobelLoss": lambda: __import__("imagelosses").SobelLoss(),
}


def _model(loss, jit: bool, size: int):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((size, size, 3))
    hidden = keras.layers.Conv2D(8, 3, padding="same", activation="tanh")(inputs)
    model = keras.Model(inputs, keras.layers.Conv2D(3, 1)(hidden))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, jit_compile=jit)
    return model


def graph_breaks(loss, x, y) -> int:
    import torch
    import torch._dynamo

    torch._dynamo.reset()
    count = torch._dynamo.explain(loss)(torch.as_tensor(y), torch.as_tensor(x)).graph_break_count
    torch._dynamo.reset()
    return count


def run(size: int, batch: int, repeats: int) -> list[dict]:
    rng = np.random.default_rng(0)
    pairs = []
    for _ in range(3):
        x = rng.random((batch, size, size, 3)).astype(np.float32)
        pairs.append((x, np.clip(0.8 * x + 0.2 * rng.random(x.shape), 0, 1).astype(np.float32)))
    rows = []
    for name, make in LOSSES.items():
        timed = []
        for jit in (False, True):
            import torch._dynamo

            torch._dynamo.reset()
            model = _model(make(), jit, size)
            start = time.perf_counter()
            model.train_on_batch(*pairs[0])
            first = time.perf_counter() - start
            step = measure(model.train_on_batch, pairs, repeats=repeats)
            row = dict(loss=name, mode="torch.compile" if jit else "eager", size=size, batch=batch)
            timed.append({**row, "first_call_s": first, "step": step})
        # after the timings: an explained function left in dynamo's cache slowed later eager steps
        breaks = graph_breaks(make(), *pairs[0])
        for row in timed:
            step = row["step"]
            rows.append({**row, "graph_breaks": breaks})
            print(
                f"{name:10s} {row['mode']:13s} first call {row['first_call_s']:7.2f} s   step "
                f"{step['median_ms']:8.2f} ms ({step['p10_ms']:.2f}-{step['p90_ms']:.2f})   "
                f"graph breaks {breaks}",
                flush=True,
            )
    return rows


def every_case() -> bool:
    """`--every-case`: each contract case compiled forward and backward, against eager."""
    import torch
    import torch._dynamo

    from tests.contract.cases import ALL_CASES

    def tensor(a):
        a = np.asarray(a)
        return torch.as_tensor(a, dtype=torch.float32 if a.dtype.kind == "f" else None)

    rng = np.random.default_rng(0)
    worst = 0.0
    ok = True
    for case in ALL_CASES:
        torch._dynamo.reset()
        y_true, y_pred = case.data(rng, (2, case.size, case.size, case.channels))
        loss = case.make(data_format="channels_last", spatial_dims=2)
        y_true = tensor(y_true)

        def step(t, p, loss=loss):
            value = loss(t, p)
            (grad,) = torch.autograd.grad(value, p)
            return value, grad

        eager = step(y_true, tensor(y_pred).requires_grad_(True))
        start = time.perf_counter()
        try:
            compiled = torch.compile(step)(y_true, tensor(y_pred).requires_grad_(True))
        except Exception as error:  # reported, and the run fails
            print(f"{case.name:40s} FAILED to compile: {str(error).splitlines()[0][:200]}", flush=True)
            ok = False
            continue
        seconds = time.perf_counter() - start
        value_gap = float(torch.abs(compiled[0] - eager[0]))
        scale = torch.max(torch.abs(eager[1])) + 1e-30
        grad_gap = float(torch.max(torch.abs(compiled[1] - eager[1])) / scale)
        worst = max(worst, value_gap, grad_gap)
        ok = ok and max(value_gap, grad_gap) <= 1e-5
        print(
            f"{case.name:40s} compiled in {seconds:5.1f} s  value {value_gap:.1e}  gradient {grad_gap:.1e}",
            flush=True,
        )
    print(f"{len(ALL_CASES)} cases, largest difference from eager {worst:.1e}: {'ok' if ok else 'FAILED'}")
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", default=None)
    parser.add_argument("--every-case", action="store_true", help="compile every contract case's loss")
    args = parser.parse_args(argv)
    if BACKEND != "torch":
        sys.exit(f"benchmarks.torch_compile times torch.compile: use KERAS_BACKEND=torch, not {BACKEND}")
    if args.every_case:
        sys.exit(0 if every_case() else 1)
    rows = run(args.size, args.batch, args.repeats)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": environment(), "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
