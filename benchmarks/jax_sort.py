"""The Lovasz losses' descending argsort on JAX: the radix fast path against `jnp.argsort`, and
the sorts it is made of, each `jax.jit`-compiled, on rows of float32 in [0, 1].

`KERAS_BACKEND=jax python -m benchmarks.jax_sort [--rows 12] [--lengths 4096 65536 262144]`

Prints, per row length, the median and 10-90% spread (ms) of: `jnp.argsort(-x)` (the portable
path on jax), the radix path (`imagelosses._sorting.jax_radix_argsort_descending`), and the two
single sorts that explain the gap, float32 keys alone and uint32 keys alone. Checks first that
the radix permutation equals numpy's stable argsort of `-x`.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from benchmarks.harness import environment, measure


def main(argv=None):
    import jax
    import jax.numpy as jnp
    from jax import lax

    from imagelosses._sorting import jax_radix_argsort_descending

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=12)
    parser.add_argument("--lengths", type=int, nargs="+", default=[4096, 65536, 262144])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    calls = {
        "jnp.argsort(-x)": jax.jit(lambda x: jnp.argsort(-x, axis=-1)),
        "radix argsort (ours)": jax.jit(jax_radix_argsort_descending),
        "sort float32 alone": jax.jit(lambda x: jnp.sort(x, axis=-1)),
        "sort uint32 alone": jax.jit(lambda x: jnp.sort(lax.bitcast_convert_type(x, jnp.uint32), axis=-1)),
    }
    rng = np.random.default_rng(0)
    results = {"environment": environment(), "rows": args.rows, "lengths": {}}
    print(json.dumps(results["environment"]))
    for length in args.lengths:
        inputs = [(rng.random((args.rows, length)).astype(np.float32),) for _ in range(2)]
        x = inputs[0][0]
        expected = np.argsort(-x, axis=-1, kind="stable")
        assert np.array_equal(np.asarray(calls["radix argsort (ours)"](x)), expected), length
        inputs = [(jnp.asarray(x),) for (x,) in inputs]
        row = {name: measure(call, inputs, repeats=args.repeats) for name, call in calls.items()}
        results["lengths"][length] = row
        print(f"{args.rows} x {length}:")
        for name, timing in row.items():
            print(
                f"  {name:22s} {timing['median_ms']:8.1f} ms  ({timing['p10_ms']:.1f}-{timing['p90_ms']:.1f})"
            )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
