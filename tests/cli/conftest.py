"""Helpers for the command-line tests: run `main([...])` in-process and capture what it prints."""

from __future__ import annotations

import contextlib
import importlib
import io
import json

import keras
import numpy as np
import pytest

import imagelosses
from imagelosses.cli.main import main


def _has(module: str, *names: str) -> bool:
    try:
        owner = importlib.import_module(module)
    except ImportError:
        return False
    return all(hasattr(owner, n) for n in names)


HAS_STRUCTURAL = _has("imagelosses", "ssim", "ms_ssim", "psnr")
HAS_SEGMENTATION = _has("imagelosses", "CrossEntropyLoss", "DiceLoss") and _has(
    "imagelosses.metrics", "IoU", "Dice"
)
needs_structural = pytest.mark.skipif(
    not HAS_STRUCTURAL, reason="imagelosses.ssim/ms_ssim/psnr not in this installation"
)
needs_segmentation = pytest.mark.skipif(
    not HAS_SEGMENTATION, reason="segmentation losses/metrics not in this installation"
)


@pytest.fixture
def run_cli(capsys):
    """`run_cli(*args) -> (exit code, stdout, stderr)`."""

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def photo_folder(tmp_path):
    """Three small grayscale PNG photographs (crops of skimage.data), and their paths."""
    from PIL import Image
    from skimage import data

    folder = tmp_path / "images"
    folder.mkdir()
    for name in ("camera", "moon", "coins"):
        image = np.asarray(getattr(data, name)())[:120, :120]
        Image.fromarray(image).save(folder / f"{name}.png")
    return folder


# The bake-off's segment task at its default training settings (64 px, 256 images, 8 epochs of
# batch 16: 128 Adam steps at 3e-3, the default U-Net), scored on 16 held-out images instead of
# 48. Shorter budgets were borderline: 64 steps at 3e-3 gave ring IoUs of 0.31-0.57 (Dice on
# torch, both losses on tensorflow), and at 1e-2 cross-entropy stayed at all-background on jax.
CI_SEGMENT = dict(size=64, count=256, test_count=16, epochs=8, batch_size=16, learning_rate=3e-3, width=12)
RARE = ("disc", "ring")


def run_segment_bakeoff(args, folder, settings=None):
    """`main(["bakeoff", "--task", "segment", "--quick", ...])` with the quick segment settings
    replaced by `settings`; returns (exit code, stdout, stderr)."""
    from imagelosses.cli import bakeoff

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        if settings is not None:
            patch.setitem(bakeoff.SETTINGS["quick"], "segment", settings)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["bakeoff", "--task", "segment", "--quick", *args, "--out", str(folder)])
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def xla_default_level():
    """On jax, Keras's train, test and predict programs compiled at XLA's default optimisation
    level instead of the suite's level 0 (tests/conftest.py), as a user's process compiles them.

    Level 0 pays off for the suite's thousands of tiny programs, not for a U-Net trained for
    hundreds of steps: the bake-off's segment U-Net (batch 16 of 64x64) took 240 ms a step at
    level 0 and 137 ms at level 3, XLA's default (one `fit` epoch of 16 steps, idle 2-core CPU);
    the session's `ci_run` took 72 s and 46 s (`pytest tests/cli/test_bakeoff_training.py -k
    rare_classes`, jax).
    """
    if keras.backend.backend() != "jax":
        yield
        return
    import functools

    from keras.src.backend.jax import trainer

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            trainer,
            "jit",
            functools.partial(trainer.jit, compiler_options={"xla_backend_optimization_level": 3}),
        )
        yield


@pytest.fixture(scope="session")
def ci_run(tmp_path_factory):
    """The CI-sized segment bake-off of cross-entropy and Dice (from logits), seed 0, once per
    session: (the segment result of metrics.json, the printed summary)."""
    folder = tmp_path_factory.mktemp("ci_segment")
    with xla_default_level():
        code, stdout, stderr = run_segment_bakeoff(["--losses", "ce,dice", "--seed", "0"], folder, CI_SEGMENT)
    assert code == 0, stderr[-3000:]
    (segment,) = json.loads((folder / "metrics.json").read_text())["results"]
    return segment, stdout


__all__ = ["imagelosses"]
