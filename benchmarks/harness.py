"""Timing harness shared by every benchmark: compile per backend, synchronise, take medians.

Method (see benchmarks/README.md): every callable is wrapped the way a user of its framework runs
it (jax: `jax.jit`; tensorflow: `tf.function`; torch: eager), warmed up, then timed over
`repeats` calls that rotate through several pre-generated input pairs, synchronising the device
after each call (`block_until_ready`, `.numpy()`, `torch.cuda.synchronize`). We report the
median and the 10th-90th percentile spread in milliseconds.
"""

from __future__ import annotations

import os
import statistics
import time

import keras
import numpy as np

BACKEND = keras.backend.backend()


def device_name() -> str:
    if BACKEND == "torch":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if BACKEND == "jax":
        import jax

        return jax.devices()[0].platform
    import tensorflow as tf

    return "gpu" if tf.config.list_physical_devices("GPU") else "cpu"


def to_device(x):
    """A float32 tensor of the active backend on its default device."""
    return keras.ops.convert_to_tensor(np.asarray(x, np.float32))


def sync(value):
    if BACKEND == "jax":
        import jax

        jax.block_until_ready(value)
    elif BACKEND == "torch":
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
    else:
        for v in value if isinstance(value, (tuple, list)) else [value]:
            _ = v.numpy()


def compile_forward(fn):
    """`fn(y_true, y_pred) -> per-sample values` as its framework runs it; returns the sum."""
    if BACKEND == "jax":
        import jax
        import jax.numpy as jnp

        return jax.jit(lambda t, p: jnp.sum(fn(t, p)))
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(lambda t, p: tf.reduce_sum(fn(t, p)))

    import torch

    def forward(t, p):
        with torch.no_grad():
            return torch.sum(fn(t, p))

    return forward


def compile_forward_backward(fn):
    """Value and gradient with respect to `y_pred`."""
    if BACKEND == "jax":
        import jax
        import jax.numpy as jnp

        return jax.jit(jax.value_and_grad(lambda t, p: jnp.sum(fn(t, p)), argnums=1))
    if BACKEND == "tensorflow":
        import tensorflow as tf

        @tf.function
        def step(t, p):
            with tf.GradientTape() as tape:
                tape.watch(p)
                value = tf.reduce_sum(fn(t, p))
            return value, tape.gradient(value, p)

        return step

    import torch

    def step(t, p):
        p = p.detach().requires_grad_(True)
        value = torch.sum(fn(t, p))
        (grad,) = torch.autograd.grad(value, p)
        return value, grad

    return step


def to_numpy(x):
    if BACKEND == "torch":
        return x.detach().cpu().numpy().astype(np.float64)
    return np.asarray(x, np.float64)


def measure(call, inputs, warmup=3, repeats=15):
    """Median and 10-90% spread (ms) of `call(*pair)` over rotating input pairs."""
    for i in range(warmup):
        sync(call(*inputs[i % len(inputs)]))
    times = []
    for i in range(repeats):
        pair = inputs[i % len(inputs)]
        start = time.perf_counter()
        sync(call(*pair))
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p10_ms": times[max(0, int(0.1 * len(times)))],
        "p90_ms": times[min(len(times) - 1, int(0.9 * len(times)))],
        "repeats": repeats,
    }


def environment() -> dict:
    import platform

    info = {
        "backend": BACKEND,
        "device": device_name(),
        "keras": keras.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    module = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}[BACKEND]
    info[module] = __import__(module).__version__
    return info


class Case:
    """One benchmark: our loss and its peers on the same inputs.

    `ours(t, p)` and each peer return per-sample values (or a scalar); `inputs(rng, size)` makes a
    numpy `(y_true, y_pred)` pair; `reference(t, p)` is a float64 numpy per-sample reference used
    to check our value and gradient before timing (at the smallest size).
    """

    def __init__(self, name, ours, inputs, peers=None, reference=None, sizes=(64, 256, 1024)):
        self.name, self.ours, self.inputs = name, ours, inputs
        self.peers = peers or {}
        self.reference = reference
        self.sizes = sizes


def check_against_float64(case, rng, size):
    """Our float32 value and directional derivative against the float64 reference."""
    t, p = case.inputs(rng, size)
    value, grad = compile_forward_backward(case.ours)(to_device(t), to_device(p))
    expected = float(np.sum(case.reference(t, p)))
    direction = rng.standard_normal(p.shape)
    h = 1e-4
    plus, minus = case.reference(t, p + h * direction), case.reference(t, p - h * direction)
    numeric = (np.sum(plus) - np.sum(minus)) / (2 * h)
    analytic = float(np.sum(to_numpy(grad) * direction))
    return {
        "value_rel_error": abs(float(to_numpy(value)) - expected) / (abs(expected) + 1e-12),
        "gradient_rel_error": abs(analytic - numeric) / (abs(numeric) + 1e-12),
    }


def run_family(cases, argv=None):
    """Command line of every family script: times each case and peer; prints a table; writes JSON."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", help="square image sides (default: per case)")
    parser.add_argument("--smoke", action="store_true", help="one small size, few repeats (CI)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument("--cases", nargs="*", help="only these case names")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    results = {"environment": environment(), "results": []}
    print(f"# {results['environment']}")
    print(f"{'case':<14}{'size':>6}  {'implementation':<28}{'forward ms':>12}{'fwd+bwd ms':>12}  spread")
    for case in cases:
        if args.cases and case.name not in args.cases:
            continue
        sizes = [32] if args.smoke else (args.sizes or list(case.sizes))
        repeats = 3 if args.smoke else args.repeats
        check = check_against_float64(case, rng, min(sizes[0], 64)) if case.reference else None
        if check:
            print(f"{case.name:<14} float64 check: value {check['value_rel_error']:.1e}, "
                  f"gradient {check['gradient_rel_error']:.1e} (relative)")
        for size in sizes:
            pairs = [tuple(to_device(a) for a in case.inputs(rng, size)) for _ in range(3)]
            for impl, fn in {"imagelosses": case.ours, **case.peers}.items():
                try:
                    forward = measure(compile_forward(fn), pairs, repeats=repeats)
                    both = measure(compile_forward_backward(fn), pairs, repeats=repeats)
                except Exception as error:  # a peer that cannot run this shape is reported, not fatal
                    failure = f"failed: {type(error).__name__}: {error}"[:100]
                    print(f"{case.name:<14}{size:>6}  {impl:<28}{failure}")
                    continue
                row = {"case": case.name, "size": size, "shape": list(np.shape(pairs[0][1])),
                       "implementation": impl, "forward": forward, "forward_backward": both,
                       "check": check if impl == "imagelosses" else None}
                results["results"].append(row)
                print(f"{case.name:<14}{size:>6}  {impl:<28}{forward['median_ms']:>12.3f}"
                      f"{both['median_ms']:>12.3f}  {both['p10_ms']:.2f}-{both['p90_ms']:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    return results
