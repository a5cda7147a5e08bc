"""torch: a Keras training step with `jit_compile=True` (torch.compile) against eager, per loss.

    KERAS_BACKEND=torch python -m benchmarks.torch_compile [--size 64] [--batch 4] [--json out.json]

The step is `model.train_on_batch` of a small conv net (Conv2D 8 3x3 tanh, Conv2D 3 1x1) on
`(batch, size, size, 3)` images in [0, 1] with the loss as its training loss: forward, loss,
backward and the Adam update, as `fit` runs them. For each loss and mode it reports the first
call (compilation included, seconds), then the median and 10-90% spread of the following calls
after warm-up (ms; the harness's `measure`), and the graph breaks `torch._dynamo.explain` counts
in the loss (0: one graph). Not part of `make bench` (torch only; the other backends' jit is
measured by the bench_* families).
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if BACKEND != "torch":
        sys.exit(f"benchmarks.torch_compile times torch.compile: use KERAS_BACKEND=torch, not {BACKEND}")
    rows = run(args.size, args.batch, args.repeats)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": environment(), "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
