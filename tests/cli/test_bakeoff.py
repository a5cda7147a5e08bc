"""`imagelosses bakeoff`: tiny --quick runs, the report's files, seeds, user data, errors."""

import base64
import json
import os
import re

import numpy as np
import pytest
from PIL import Image

from tests.cli.conftest import needs_segmentation, needs_structural

TINY = ("--quick", "--epochs", "1", "--seed", "3")


def _check_report(folder):
    """Every figure report.html references (embedded PNG or linked file) exists and is a PNG."""
    page = (folder / "report.html").read_text()
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    links = re.findall(r'href="([^"]+)"', page)
    assert embedded and links
    for data in embedded:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    for link in links:
        assert (folder / link).is_file(), link
    pngs = [link for link in links if link.endswith(".png")]
    assert len(pngs) == len(embedded)
    for png in pngs:
        with Image.open(folder / png) as image:
            assert image.size[0] > 300 and image.size[1] > 200
    assert re.search(r"<(script|link)\b", page) is None  # nothing loaded from elsewhere
    return json.loads((folder / "metrics.json").read_text())


@needs_structural
def test_quick_restore_writes_a_complete_report(run_cli, tmp_path):
    out = tmp_path / "report"
    code, stdout, stderr = run_cli(
        "bakeoff", "--task", "restore", "--losses", "mse,mae+0.1*sobel", *TINY, "--out", out
    )
    assert code == 0, stderr
    assert "restore 1/2 mse" in stderr and "epoch 1/1" in stderr  # progress per run
    assert "input (no net)" in stdout and "max |output|" in stdout
    metrics = _check_report(out)
    assert metrics["schema"] == "imagelosses.bakeoff/2"
    assert metrics["settings"]["seeds"] == [3] and metrics["settings"]["backend"]
    (restore,) = metrics["results"]
    assert [r["loss"] for r in restore["runs"]] == ["mse", "mae+0.1*sobel"]
    assert [s["loss"] for s in restore["losses"]] == ["mse", "mae+0.1*sobel"]
    for run in restore["runs"]:
        assert np.isfinite(run["metrics"]["PSNR"]) and 0 < run["metrics"]["SSIM"] <= 1
        assert len(run["history"]["loss"]) == 1 and len(run["history"]["heldout"]) == 1
        assert run["diagnostics"]["output"] == "output" and not run["diagnostics"]["diverged"]
    for verdict in restore["verdicts"]:  # a best, or a tie, for every score
        assert (verdict["best"] is None) != (verdict["tied"] == [])
    assert {f.split("/")[-1] for f in restore["figures"]} == {
        "restore_examples.png",
        "restore_curves.png",
        "restore_metrics.png",
    }


@needs_structural
def test_same_seed_gives_the_same_numbers(run_cli, tmp_path):
    results = []
    for name in ("one", "two"):
        code, _, err = run_cli(
            "bakeoff", "--task", "restore", "--losses", "mse", *TINY, "--out", tmp_path / name
        )
        assert code == 0, err
        data = json.loads((tmp_path / name / "metrics.json").read_text())
        results.append(data["results"][0]["runs"][0]["metrics"])
    assert results[0] == results[1]


@needs_structural
def test_two_seeds_give_a_std_column_and_bands(run_cli, tmp_path, monkeypatch):
    import matplotlib.axes

    bands = []
    fill_between = matplotlib.axes.Axes.fill_between
    monkeypatch.setattr(
        matplotlib.axes.Axes,
        "fill_between",
        lambda self, *a, **k: bands.append(a) or fill_between(self, *a, **k),
    )
    out = tmp_path / "two"
    code, stdout, err = run_cli(
        "bakeoff", "--task", "restore", "--losses", "mse,mae", *TINY, "--seeds", "2", "--out", out
    )
    assert code == 0, err
    assert "±" in stdout and "over 2 seeds (3, 4)" in stdout
    (restore,) = _check_report(out)["results"]
    assert restore["seeds"] == [3, 4] and len(restore["runs"]) == 4
    for summary in restore["losses"]:
        runs = [r["metrics"]["PSNR"] for r in restore["runs"] if r["loss"] == summary["loss"]]
        assert summary["seeds"] == 2
        assert summary["mean"]["PSNR"] == pytest.approx(np.mean(runs))
        assert summary["std"]["PSNR"] == pytest.approx(np.std(runs, ddof=1))
    assert len(bands) == 4  # one band per loss in each of the two curve panels
    assert restore["baseline"]["std"]["PSNR"] is not None


def test_metrics_json_records_the_command_once(run_cli, tmp_path):
    out = tmp_path / "cmd"
    code, _, err = run_cli("bakeoff", "--task", "restore", "--losses", "mse", *TINY, "--out", out)
    assert code == 0, err
    command = json.loads((out / "metrics.json").read_text())["settings"]["command"]
    assert command.startswith("imagelosses bakeoff --task restore")
    assert command.count("bakeoff") == 1


@needs_segmentation
def test_quick_segment_scores_iou_per_class(run_cli, tmp_path):
    out = tmp_path / "seg"
    code, stdout, stderr = run_cli(
        "bakeoff", "--task", "segment", "--losses", "ce,ce+dice", *TINY, "--out", out
    )
    assert code == 0, stderr
    metrics = _check_report(out)
    (segment,) = metrics["results"]
    names = {m["name"] for m in segment["metrics"]}
    assert {
        "IoU background",
        "IoU disc",
        "IoU ring",
        "mean IoU",
        "Dice background",
        "Dice disc",
        "Dice ring",
        "mean Dice",
    } <= names
    assert "Dice disc" in stdout and "max |logit|" in stdout
    for run in segment["runs"]:
        assert run["diagnostics"]["output"] == "logit"
        assert 0 < run["diagnostics"]["max_abs_output"] < run["diagnostics"]["limit"]
    fractions = segment["data"]["class_pixel_fraction"]
    assert 0.002 < fractions[1] < 0.03 and 0.002 < fractions[2] < 0.03  # rare: about 1:100


@needs_structural
def test_user_images_restore(run_cli, tmp_path, photo_folder):
    out = tmp_path / "mine"
    code, _, err = run_cli("bakeoff", "--images", photo_folder, "--losses", "mse", *TINY, "--out", out)
    assert code == 0, err
    data = _check_report(out)
    assert data["results"][0]["data"]["heldout_files"]


def test_user_images_errors_list_the_bad_files(run_cli, tmp_path, photo_folder):
    (photo_folder / "broken.png").write_bytes(b"\x89PNG nonsense")
    (photo_folder / "notes.txt").write_text("hello")
    code, _, err = run_cli(
        "bakeoff", "--images", photo_folder, "--losses", "mse", *TINY, "--out", tmp_path / "x"
    )
    assert code == 1
    assert "notes.txt" in err
    os.remove(photo_folder / "notes.txt")
    code, _, err = run_cli(
        "bakeoff", "--images", photo_folder, "--losses", "mse", *TINY, "--out", tmp_path / "x"
    )
    assert code == 1 and "broken.png" in err and "unreadable" in err


def test_user_masks_unpaired_and_mismatched(run_cli, tmp_path, photo_folder):
    masks = tmp_path / "masks"
    masks.mkdir()
    Image.fromarray(np.zeros((120, 120), np.uint8)).save(masks / "camera.png")
    Image.fromarray(np.zeros((100, 120), np.uint8)).save(masks / "moon.png")
    code, _, err = run_cli(
        "bakeoff",
        "--images",
        photo_folder,
        "--masks",
        masks,
        *TINY,
        "--losses",
        "sparse_categorical_crossentropy",
        "--out",
        tmp_path / "x",
    )
    assert code == 1 and "coins.png" in err and "unpaired" in err
    Image.fromarray(np.zeros((120, 120), np.uint8)).save(masks / "coins.png")
    code, _, err = run_cli(
        "bakeoff",
        "--images",
        photo_folder,
        "--masks",
        masks,
        *TINY,
        "--losses",
        "sparse_categorical_crossentropy",
        "--out",
        tmp_path / "x",
    )
    assert code == 1 and "moon.png is 100x120" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--task", "restore", "--losses", "mse+bogus"], "Unknown loss 'bogus'"),
        (["--task", "restore", "--losses", "mse*"], "Invalid loss expression"),
        (["--task", "restore", "--epochs", "0"], "--epochs must be at least 1"),
        (["--masks", "somewhere"], "--masks needs --images"),
        (["--losses", "mse"], "--losses needs --task restore or --task segment"),
        (["--seeds", "0"], "--seeds must be at least 1"),
        (["--learning-rate", "-1"], "--learning-rate must be positive"),
        (["--task", "segment", "--losses", "dice+LaplacianLoss"], "has no from_logits option"),
    ],
)
def test_bad_arguments_exit_2_before_training(run_cli, tmp_path, args, message):
    code, _, err = run_cli("bakeoff", *args, "--out", tmp_path / "x")
    assert code == 2
    assert message in err
    assert not (tmp_path / "x").exists()
