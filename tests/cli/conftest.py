"""Helpers for the command-line tests: run `main([...])` in-process and capture what it prints."""

from __future__ import annotations

import importlib

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
    "imagelosses.metrics", "IoU", "Dice")
needs_structural = pytest.mark.skipif(not HAS_STRUCTURAL,
                                      reason="imagelosses.ssim/ms_ssim/psnr not in this installation")
needs_segmentation = pytest.mark.skipif(not HAS_SEGMENTATION,
                                        reason="segmentation losses/metrics not in this installation")


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


__all__ = ["imagelosses"]
