"""LocalNCCLoss on 3D volumes against MONAI's LocalNormalizedCrossCorrelationLoss, forward and
forward+backward.

Run: `KERAS_BACKEND=torch python -m benchmarks.bench_registration [--sizes 96] [--json out.json]`
(`--smoke`: 32^3, 3 repeats; `--profile scaling`: sides 32, 64, 96, 128).

Case lncc_3d: `(2, N, N, N, 1)` float32 channels_last volumes in [0, 1] and a noisy copy, default
N = 96 (2x1x96x96x96 in MONAI's layout); MONAI's defaults on both sides (3-voxel rectangular
window, smooth_nr 0, smooth_dr 1e-5). Ours is `local_ncc_loss` per volume; the peer (torch only,
where MONAI is installed) is `LocalNormalizedCrossCorrelationLoss(spatial_dims=3,
reduction="none")` on an NCDHW view, averaged per volume, so both return the same `(2,)` values
and the permute is part of MONAI's time. The harness checks our value and gradient against the
float64 reference of tests/reference/registration.py first.
"""

from __future__ import annotations

import numpy as np

import imagelosses
from benchmarks.harness import BACKEND, Case, run_family
from tests.reference.registration import reference_local_ncc


def _volumes(rng, size):
    t = rng.random((2, size, size, size, 1))
    return t, np.clip(t + 0.1 * rng.standard_normal(t.shape), 0.0, 1.0)


def _monai_peers():
    if BACKEND != "torch":
        return {}
    try:
        from monai.losses import LocalNormalizedCrossCorrelationLoss
    except ImportError:
        return {}
    monai = LocalNormalizedCrossCorrelationLoss(spatial_dims=3, reduction="none")

    def per_volume(t, p):
        ncdhw = [x.permute(0, 4, 1, 2, 3) for x in (p, t)]
        return monai(*ncdhw).mean(dim=(1, 2, 3, 4))

    return {"monai LocalNormalizedCrossCorrelationLoss": per_volume}


CASES = [
    Case(
        "lncc_3d",
        imagelosses.local_ncc_loss,
        _volumes,
        _monai_peers(),
        lambda t, p: reference_local_ncc(t, p, 3),
        sizes=(96,),
        scaling_sizes=(32, 64, 96, 128, 160),
    ),
]

if __name__ == "__main__":
    run_family(CASES)
