"""The XLA flags the suite compiles with (jax, and tensorflow's `jit_compile`), in one place for
tests/conftest.py and the processes the suite starts itself (tests/reliability/multi_device_worker.py).
The benchmarks keep XLA's defaults.

- `--xla_backend_optimization_level=0`: LLVM's optimisations off for the suite's thousands of
  tiny programs, 22% less CPU time on a jax contract sample (measured), the same maths.
- `--xla_cpu_use_fusion_emitters=false`: XLA CPU's older loop-fusion emitters in place of its MLIR
  fusion emitters. XLA's compile time of the mixed_float16 half of
  tests/reliability/test_mixed_precision.py fell from 23.8 to 9.4 s (77 programs, jax.monitoring's
  backend_compile_duration) and the file's time from 41 to 24 s; the jax suite's from 700 to 515 s
  (`KERAS_BACKEND=jax pytest -n 2 --dist loadgroup tests`, one run each).

Either setting moves the float32 rounding of the contract's 3D MS-SSIM volumes; their tolerance
and the figures are in tests/contract/cases/structural.py.
"""

SUITE_XLA_FLAGS = {"xla_backend_optimization_level": "0", "xla_cpu_use_fusion_emitters": "false"}


def with_suite_flags(flags: str = "") -> str:
    """`flags` (an XLA_FLAGS value) with each suite flag it does not already set appended."""
    added = [f"--{name}={value}" for name, value in SUITE_XLA_FLAGS.items() if name not in flags]
    return " ".join([flags, *added]).strip()
