"""Timing harness shared by every benchmark: compile per backend, synchronise, take medians.

Method (see benchmarks/README.md): every callable is wrapped the way a user of its framework runs
it (jax: `jax.jit`; tensorflow: `tf.function`; torch: eager), warmed up, then timed over
`repeats` calls that rotate through several pre-generated input pairs, synchronising the device
after each call (`block_until_ready`, `.numpy()`, `torch.cuda.synchronize`). We report the
median and the 10th-90th percentile spread in milliseconds.

Every family script takes the same options (`run_family`): `--sizes` (square sides), `--profile
scaling` (64 to 2048 for 2D cases, each case's `scaling_sizes`), `--smoke`, `--repeats`, `--cases`,
`--json`, and `--device auto|cpu|gpu` (gpu: stop with a message unless the backend sees a GPU; cpu:
run under `keras.device("cpu:0")` even where one is present). Each row also holds `peak_bytes`, the
device memory of one forward+backward call where it can be known (see `peak_bytes`), else None.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
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


def gpu_visible() -> bool:
    """Whether the active backend sees a GPU (jax platform 'gpu', CUDA torch, a tensorflow GPU)."""
    return device_name() in ("cuda", "gpu")


def select_device(choice: str):
    """A context that places every tensor and computation on `choice` ('auto', 'cpu' or 'gpu').

    Exits with a message (no traceback) when 'gpu' is asked for and the backend sees none.
    """
    if choice == "cpu":
        return keras.device("cpu:0")
    if choice == "gpu" and not gpu_visible():
        hint = {"jax": "jax[cuda12]", "torch": "a CUDA build of torch", "tensorflow": "tensorflow[and-cuda]"}
        sys.exit(
            f"--device gpu: the {BACKEND} backend sees no GPU (device: {device_name()}). Install "
            f"{hint[BACKEND]} on a machine with a GPU, or run with --device cpu."
        )
    return contextlib.nullcontext()


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


def _jax_compiled_bytes(step, pair):
    # Arguments + outputs + XLA's temporary buffer (after buffer reuse), less aliased bytes. Not
    # `peak_memory_in_bytes`: on CPU (jax 0.10) it leaves the temporaries out.
    stats = step.lower(*pair).compile().memory_analysis()
    if stats is None:
        return None
    return int(
        stats.argument_size_in_bytes
        + stats.output_size_in_bytes
        + stats.temp_size_in_bytes
        - stats.alias_size_in_bytes
    )


def peak_bytes(step, pair, device):
    """Device memory (bytes) of one call of the compiled forward+backward `step`, or None.

    jax: XLA's compiled memory analysis (arguments, outputs and temporaries; nothing runs), on
    every platform.
    torch on CUDA, tensorflow on GPU: the allocator's peak during one call, less what was allocated
    before it, plus the bytes of the call's two float32 arguments (so the three backends count the
    same things). torch and tensorflow on CPU expose no allocator peak: None.
    """
    arguments = sum(4 * int(np.prod(tuple(x.shape))) for x in pair)
    try:
        if BACKEND == "jax":
            return _jax_compiled_bytes(step, pair)
        if BACKEND == "torch" and device == "cuda":
            import torch

            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            before = torch.cuda.memory_allocated()
            sync(step(*pair))
            return torch.cuda.max_memory_allocated() - before + arguments
        if BACKEND == "tensorflow" and device == "gpu":
            import tensorflow as tf

            tf.config.experimental.reset_memory_stats("GPU:0")
            before = tf.config.experimental.get_memory_info("GPU:0")["current"]
            sync(step(*pair))
            return tf.config.experimental.get_memory_info("GPU:0")["peak"] - before + arguments
    except Exception:  # an allocator or compiler without these statistics: unknown, not fatal
        return None
    return None


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


def environment(device: str | None = None, requested: str = "auto") -> dict:
    import platform

    info = {
        "backend": BACKEND,
        "device": device or device_name(),
        "device_requested": requested,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    module = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}[BACKEND]
    info[module] = __import__(module).__version__
    return info


# `--profile scaling`: square sides from 64 to 2048 (4096 to 4.2 million pixels per image).
SCALING_SIZES_2D = (64, 128, 256, 512, 1024, 2048)


class Case:
    """One benchmark: our loss and its peers on the same inputs.

    `ours(t, p)` and each peer return per-sample values (or a scalar); `inputs(rng, size)` makes a
    numpy `(y_true, y_pred)` pair; `reference(t, p)` is a float64 numpy per-sample reference used
    to check our value and gradient before timing (at the smallest size). `sizes` are the default
    run's sides, `scaling_sizes` those of `--profile scaling`.
    """

    def __init__(
        self,
        name,
        ours,
        inputs,
        peers=None,
        reference=None,
        sizes=(64, 256, 1024),
        scaling_sizes=SCALING_SIZES_2D,
    ):
        self.name, self.ours, self.inputs = name, ours, inputs
        self.peers = peers or {}
        self.reference = reference
        self.sizes = sizes
        self.scaling_sizes = scaling_sizes


def check_against_float64(case, rng, size):
    """Our float32 value and directional derivative against the float64 reference."""
    t, p = case.inputs(rng, size)
    value, grad = compile_forward_backward(case.ours)(to_device(t), to_device(p))
    expected = float(np.sum(case.reference(t, p)))
    direction = rng.standard_normal(p.shape)
    analytic = float(np.sum(to_numpy(grad) * direction))
    # Central differences of the float64 reference at two steps, the closer one reported: the
    # piecewise-smooth losses (Lovasz's sort, clDice's min/max pooling) change pieces within a
    # step of 1e-4 (clDice at 64 px: 9.5e-3 off at 1e-4, 1.1e-8 at 1e-6, measured), smooth ones
    # agree at both.
    errors = []
    for h in (1e-4, 1e-6):
        plus, minus = case.reference(t, p + h * direction), case.reference(t, p - h * direction)
        numeric = (np.sum(plus) - np.sum(minus)) / (2 * h)
        errors.append(abs(analytic - numeric) / (abs(numeric) + 1e-12))
    return {
        "value_rel_error": abs(float(to_numpy(value)) - expected) / (abs(expected) + 1e-12),
        "gradient_rel_error": min(errors),
    }


def _arguments(argv):
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        help="sides for every selected case, cube sides for 3D cases (default: per case)",
    )
    parser.add_argument(
        "--profile",
        choices=("default", "scaling"),
        default="default",
        help="scaling: each case's scaling_sizes (64 to 2048 for 2D images)",
    )
    parser.add_argument("--smoke", action="store_true", help="one small size, few repeats (CI)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument("--cases", nargs="*", help="only these case names")
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="auto: the backend's default; gpu: stop unless the backend sees a GPU",
    )
    return parser.parse_args(argv)


def _sizes(case, args):
    if args.smoke:
        return [32]
    if args.sizes:
        return list(args.sizes)
    return list(case.scaling_sizes if args.profile == "scaling" else case.sizes)


def _time_case(case, args, rng, device, memory_known):
    """Rows of one case: every size, ours then each peer; prints one line per row."""
    rows = []
    sizes = _sizes(case, args)
    repeats = 3 if args.smoke else args.repeats
    check = check_against_float64(case, rng, min(sizes[0], 64)) if case.reference else None
    if check:
        print(
            f"{case.name:<14} float64 check: value {check['value_rel_error']:.1e}, "
            f"gradient {check['gradient_rel_error']:.1e} (relative)"
        )
    for size in sizes:
        pairs = [tuple(to_device(a) for a in case.inputs(rng, size)) for _ in range(3)]
        for impl, fn in {"imagelosses": case.ours, **case.peers}.items():
            try:
                forward = measure(compile_forward(fn), pairs, repeats=repeats)
                step = compile_forward_backward(fn)
                both = measure(step, pairs, repeats=repeats)
            except Exception as error:  # a peer that cannot run this shape is reported, not fatal
                failure = f"failed: {type(error).__name__}: {error}"[:100]
                print(f"{case.name:<14}{size:>6}  {impl:<28}{failure}")
                continue
            peak = peak_bytes(step, pairs[0], device)
            rows.append(
                {
                    "case": case.name,
                    "size": size,
                    "shape": list(np.shape(pairs[0][1])),
                    "implementation": impl,
                    "forward": forward,
                    "forward_backward": both,
                    "peak_bytes": peak,
                    "check": check if impl == "imagelosses" else None,
                }
            )
            memory = (f"{peak / 2**20:>10.1f}" if peak is not None else f"{'-':>10}") if memory_known else ""
            print(
                f"{case.name:<14}{size:>6}  {impl:<28}{forward['median_ms']:>12.3f}"
                f"{both['median_ms']:>12.3f}{memory}  {both['p10_ms']:.2f}-{both['p90_ms']:.2f}"
            )
    return rows


def run_family(cases, argv=None):
    """Command line of every family script: times each case and peer; prints a table; writes JSON."""
    import json

    args = _arguments(argv)
    rng = np.random.default_rng(0)
    with select_device(args.device):
        device = "cpu" if args.device == "cpu" else device_name()
        memory_known = BACKEND == "jax" or device in ("cuda", "gpu")
        results = {"environment": environment(device, args.device), "results": []}
        print(f"# {results['environment']}")
        memory = f"{'peak MiB':>10}" if memory_known else ""
        print(
            f"{'case':<14}{'size':>6}  {'implementation':<28}{'forward ms':>12}{'fwd+bwd ms':>12}"
            f"{memory}  spread"
        )
        for case in cases:
            if not args.cases or case.name in args.cases:
                results["results"] += _time_case(case, args, rng, device, memory_known)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    return results
