"""`imagelosses compare`: files and folders, formats, masks, and every kind of bad input."""

import csv
import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.cli.conftest import needs_segmentation, needs_structural


def _save(path, array):
    if str(path).endswith(".npy"):
        np.save(path, array)
    else:
        Image.fromarray(array).save(path)
    return path


@pytest.fixture
def pair_folders(tmp_path, rng):
    ref, test = tmp_path / "ref", tmp_path / "test"
    ref.mkdir()
    test.mkdir()
    for name in ("a", "b"):
        image = rng.integers(0, 256, (180, 180), dtype=np.uint8)
        noisy = np.clip(image + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8)
        _save(ref / f"{name}.png", image)
        _save(test / f"{name}.png", noisy)
    return ref, test


@needs_structural
def test_identical_files_give_ssim_1(run_cli, tmp_path, rng):
    image = rng.integers(0, 256, (64, 64), dtype=np.uint8)
    a, b = _save(tmp_path / "a.png", image), _save(tmp_path / "b.tif", image)
    code, out, _ = run_cli("compare", a, b, "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["pairs"][0]["SSIM"] == pytest.approx(1.0, abs=1e-6)
    assert result["pairs"][0]["edge error"] == pytest.approx(0.0, abs=1e-7)
    assert result["pairs"][0]["MS-SSIM"] is None  # 64 px: too small for five scales
    assert result["pairs"][0]["VIF"] == pytest.approx(1.0, abs=1e-6)  # 64 px: VIF needs 41
    assert result["pairs"][0]["GMSD"] == pytest.approx(0.0, abs=1e-7)
    assert np.isfinite(result["pairs"][0]["PSNR"])


@needs_structural
def test_folders_pair_by_name_in_every_format(run_cli, pair_folders):
    ref, test = pair_folders
    code, out, _ = run_cli("compare", ref, test)
    assert code == 0
    assert "PSNR (dB)" in out and "overall" in out and "a.png" in out and "b.png" in out
    code, out, _ = run_cli("compare", ref, test, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["ref", "test", "SSIM", "MS-SSIM", "PSNR", "VIF", "GMSD", "edge error"]
    assert [r[0] for r in rows[1:]][-1] == "overall" and len(rows) == 4
    code, out, _ = run_cli("compare", ref, test, "--format", "json", "--max-val", "255")
    result = json.loads(out)
    assert 0 < result["overall"]["SSIM"] < 1 and result["overall"]["MS-SSIM"] is not None
    assert 20 < result["overall"]["PSNR"] < 40  # noise sigma 10 of 255: about 28 dB
    assert 0 < result["overall"]["VIF"] < 1
    assert 0 < result["overall"]["GMSD"] < 0.5  # the deviation of a similarity map in [0, 1]
    # VIF's noise variance follows the range (2 on 0-255, 2 / 255**2 on 0-1): the same number
    code, out, _ = run_cli("compare", ref, test, "--format", "json")
    assert json.loads(out)["overall"]["VIF"] == pytest.approx(result["overall"]["VIF"], rel=1e-4)
    assert json.loads(out)["overall"]["GMSD"] == pytest.approx(result["overall"]["GMSD"], rel=1e-4)


@needs_structural
def test_npy_float_images_use_max_val_1(run_cli, tmp_path, rng):
    image = rng.uniform(0, 1, (40, 40)).astype(np.float32)
    a = _save(tmp_path / "a.npy", image)
    b = _save(tmp_path / "b.npy", np.clip(image + 0.01, 0, 1))
    code, out, _ = run_cli("compare", a, b, "--format", "json")
    assert code == 0
    assert json.loads(out)["pairs"][0]["PSNR"] == pytest.approx(40.0, abs=0.5)
    assert json.loads(out)["pairs"][0]["VIF"] is None  # 40 px: VIF needs 41 a side


def test_unpaired_files_are_listed_with_exit_1(run_cli, pair_folders):
    ref, test = pair_folders
    _save(ref / "only_here.png", np.zeros((8, 8), np.uint8))
    _save(test / "only_there.npy", np.zeros((8, 8), np.uint8))
    code, _, err = run_cli("compare", ref, test)
    assert code == 1
    assert "2 unpaired file(s)" in err and "only_here.png" in err and "only_there.npy" in err


def test_mismatched_sizes_and_unreadable_files_are_listed_with_exit_1(run_cli, pair_folders):
    ref, test = pair_folders
    _save(ref / "c.png", np.zeros((8, 8), np.uint8))
    _save(test / "c.png", np.zeros((9, 8), np.uint8))
    (ref / "d.png").write_bytes(b"not a png")
    _save(test / "d.png", np.zeros((8, 8), np.uint8))
    code, _, err = run_cli("compare", ref, test)
    assert code == 1
    assert "size mismatch" in err and "c.png is 8x8" in err
    assert "cannot read" in err and "d.png" in err


def test_missing_paths_and_file_vs_folder(run_cli, tmp_path, pair_folders):
    ref, _ = pair_folders
    code, _, err = run_cli("compare", tmp_path / "nope.png", ref / "a.png")
    assert code == 1 and "does not exist" in err
    code, _, err = run_cli("compare", ref, ref / "a.png")
    assert code == 2 and "both be files or both be folders" in err
    assert run_cli("compare", ref / "a.png", ref / "b.png", "--max-val", "0")[0] == 2


@needs_segmentation
def test_masks_give_iou_and_dice_per_class(run_cli, tmp_path):
    truth = np.zeros((32, 32), np.uint8)
    truth[4:12, 4:12] = 1
    truth[20:24, 20:30] = 2
    pred = truth.copy()
    pred[4:12, 8:12] = 0  # half of class 1 missed
    a, b = _save(tmp_path / "t.png", truth), _save(tmp_path / "p.png", pred)
    code, out, _ = run_cli("compare", a, b, "--masks", "--format", "json")
    assert code == 0
    result = json.loads(out)["pairs"][0]
    assert result["IoU 1"] == pytest.approx(0.5)
    assert result["Dice 1"] == pytest.approx(2 / 3)
    assert result["IoU 2"] == pytest.approx(1.0)


def test_masks_with_non_integer_labels_exit_1(run_cli, tmp_path):
    a = _save(tmp_path / "t.npy", np.full((8, 8), 0.5, np.float32))
    b = _save(tmp_path / "p.npy", np.zeros((8, 8), np.float32))
    code, _, err = run_cli("compare", a, b, "--masks")
    assert code == 1 and "integer labels" in err


@needs_structural
def test_an_8bit_png_pairs_with_a_float_npy_each_scaled_by_its_own_dtype(run_cli, tmp_path, rng):
    image = rng.integers(0, 256, (64, 64), dtype=np.uint8)
    a = _save(tmp_path / "a.png", image)
    b = _save(tmp_path / "b.npy", image.astype(np.float32) / 255)  # the same image, 0-1 floats
    code, out, err = run_cli("compare", a, b, "--format", "json")
    assert code == 0, err
    pair = json.loads(out)["pairs"][0]
    assert pair["SSIM"] == pytest.approx(1.0, abs=1e-5)
    assert pair["PSNR"] > 60  # identical up to float32 rounding (capped at 100 dB)
    assert pair["edge error"] == pytest.approx(0.0, abs=1e-6)


def test_max_val_refuses_a_pair_whose_dtypes_imply_different_ranges(run_cli, tmp_path, rng):
    image = rng.integers(0, 256, (32, 32), dtype=np.uint8)
    a = _save(tmp_path / "a.png", image)
    b = _save(tmp_path / "b.npy", image.astype(np.float32) / 255)
    code, _, err = run_cli("compare", a, b, "--max-val", "255")
    assert code == 1
    assert "uint8 (0-255)" in err and "float32 (0-1)" in err and "leave --max-val out" in err


def test_a_float_image_beyond_0_1_asks_for_max_val(run_cli, tmp_path, rng):
    image = rng.uniform(0, 255, (32, 32)).astype(np.float32)
    a, b = _save(tmp_path / "a.npy", image), _save(tmp_path / "b.npy", image)
    code, _, err = run_cli("compare", a, b)
    assert code == 1 and "floats are read as 0-1 intensities" in err and "--max-val" in err


@needs_segmentation
def test_masks_read_a_0_255_mask_as_binary_as_the_bakeoff_does(run_cli, tmp_path):
    from imagelosses.cli import data

    truth = np.zeros((16, 16), np.uint8)
    truth[2:8, 2:8] = 255
    pred = np.zeros((16, 16), np.uint8)
    pred[2:8, 2:5] = 1  # a 0/1 prediction of half the object
    a, b = _save(tmp_path / "t.png", truth), _save(tmp_path / "p.png", pred)
    np.testing.assert_array_equal(data.read_labels(str(a)), truth // 255)  # the bake-off's reader
    code, out, err = run_cli("compare", a, b, "--masks", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["columns"] == ["IoU 0", "IoU 1", "mean IoU", "Dice 0", "Dice 1", "mean Dice"]
    assert result["pairs"][0]["IoU 1"] == pytest.approx(0.5)


@needs_segmentation
def test_masks_on_a_photograph_warn(run_cli, tmp_path):
    photo = np.arange(256, dtype=np.uint8).repeat(4).reshape(32, 32)  # 256 grey levels
    a, b = _save(tmp_path / "t.png", photo), _save(tmp_path / "p.png", photo)
    code, _, err = run_cli("compare", a, b, "--masks", "--format", "json")
    assert code == 0
    assert "holds 256 distinct labels" in err and "photograph" in err


@needs_structural
def test_skip_unpaired_lists_the_files_and_compares_the_rest(run_cli, pair_folders):
    ref, test = pair_folders
    _save(ref / "only_here.png", np.zeros((8, 8), np.uint8))
    code, out, err = run_cli("compare", ref, test, "--skip-unpaired", "--format", "json")
    assert code == 0, err
    assert "skipping 1 unpaired file(s)" in err and "only_here.png" in err
    assert [p["test"].split("/")[-1] for p in json.loads(out)["pairs"]] == ["a.png", "b.png"]


@needs_structural
def test_long_comparisons_report_progress(run_cli, tmp_path, rng):
    ref, test = tmp_path / "ref", tmp_path / "test"
    ref.mkdir()
    test.mkdir()
    for i in range(20):
        image = rng.integers(0, 256, (24, 24), dtype=np.uint8)
        _save(ref / f"{i:02d}.png", image)
        _save(test / f"{i:02d}.png", image)
    code, _, err = run_cli("compare", ref, test, "--format", "csv")
    assert code == 0, err
    assert "compare: 2/20 pairs" in err and "compare: 20/20 pairs" in err
