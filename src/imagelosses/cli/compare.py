"""`imagelosses compare REF TEST`: how close TEST is to REF, per pair of images and overall.

REF and TEST are two image files, or two folders whose files are paired by name (the suffix may
differ: ref/a.png pairs with test/a.npy). Images: SSIM, MS-SSIM (when the image is large enough
for five scales), PSNR (dB), VIF (pixel-domain VIF with the paper's noise variance, 2 on 0-255
intensities; when both sides are at least 41 pixels), GMSD (grey or RGB images) and Sobel edge
error (mean absolute difference of the Sobel responses on 0-1 intensities). Each file is scaled
to 0-1 by its own dtype (8-bit by 255, 16-bit by 65535, floats as they are), so an 8-bit PNG
pairs with a float .npy; --max-val instead gives one range for both files and refuses pairs whose
dtypes imply different ranges. With --masks, REF and TEST are label maps, read as the bake-off reads them (a
0/255 mask is 0/1): IoU and Dice per class, counted over all pairs for the overall row. Reads
PNG, JPEG, TIFF and .npy.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time

import keras
import numpy as np

import imagelosses
from imagelosses import metrics
from imagelosses.cli import data
from imagelosses.cli._common import EXIT_DATA, EXIT_USAGE, CLIError, fmt, text_table
from imagelosses.cli._compiled import call


def add_arguments(parser):
    parser.add_argument("ref", metavar="REF", help="reference image file or folder")
    parser.add_argument("test", metavar="TEST", help="test image file or folder (same kind as REF)")
    parser.add_argument(
        "--masks",
        action="store_true",
        help="REF and TEST are integer label maps: report IoU and Dice per class",
    )
    parser.add_argument(
        "--format", choices=("table", "json", "csv"), default="table", help="output format (default: table)"
    )
    parser.add_argument(
        "--max-val",
        type=float,
        default=None,
        help="one intensity range for both files of every pair (default: each "
        "file's own dtype: 255 for 8-bit, 65535 for 16-bit, 1 for float)",
    )
    parser.add_argument(
        "--skip-unpaired",
        action="store_true",
        help="leave out files without a partner in the other folder (listed on stderr) instead of stopping",
    )


# A float image holding values beyond this is not on a 0-1 scale: --max-val must say its range.
FLOAT_LIMIT = 1.5
# Progress on stderr for comparisons of at least this many pairs (redrawn in place on a terminal).
PROGRESS_PAIRS = 20
# The image columns, in order; each is a key of `image_scores` (None where an image is too small).
# A new full-reference index adds its column here and its score in `image_scores` after VIF's.
IMAGE_COLUMNS = ["SSIM", "MS-SSIM", "PSNR", "VIF", "GMSD", "edge error"]
# VIF's model noise: Sheikh and Bovik's variance 2 on 8-bit intensities, scaled to the images' range.
VIF_NOISE_8BIT = 2.0


def _warn(message: str):
    print(f"imagelosses compare: warning: {message}", file=sys.stderr)


def _pairs(ref: str, test: str, skip_unpaired: bool = False) -> list[tuple[str, str]]:
    for path in (ref, test):
        if not os.path.exists(path):
            raise CLIError(f"{path} does not exist")
    if os.path.isdir(ref) != os.path.isdir(test):
        raise CLIError(
            f"REF and TEST must both be files or both be folders; received {ref} and {test}", EXIT_USAGE
        )
    if os.path.isdir(ref):
        return data.pair_files(ref, test, skip_unpaired=skip_unpaired, warn=_warn)
    return [(ref, test)]


def _numpy(value) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value), np.float64)


def image_scores(ref: np.ndarray, test: np.ndarray, max_val: float) -> dict:
    ssim, ms_ssim, psnr = imagelosses.ssim, imagelosses.ms_ssim, imagelosses.psnr
    y_true = ref.astype(np.float32).reshape((1,) + ref.shape[:2] + (-1,))
    y_pred = test.astype(np.float32).reshape((1,) + test.shape[:2] + (-1,))
    last = "channels_last"  # arrays are (1, H, W, C) whatever keras.config says
    scores = {"SSIM": float(_numpy(call(ssim, y_true, y_pred, max_val=max_val, data_format=last)).mean())}
    try:
        value = call(ms_ssim, y_true, y_pred, max_val=max_val, data_format=last)
        scores["MS-SSIM"] = float(_numpy(value).mean())
    except ValueError:  # too small for five scales
        scores["MS-SSIM"] = None
    scores["PSNR"] = float(_numpy(call(psnr, y_true, y_pred, max_val=max_val, data_format=last)).mean())
    # Full-reference indices that need a minimum size report None below it (as MS-SSIM does).
    sigma_n_sq = VIF_NOISE_8BIT * (max_val / 255.0) ** 2
    try:
        value = call(imagelosses.vif_p, y_true, y_pred, sigma_n_sq=sigma_n_sq, data_format=last)
        scores["VIF"] = float(_numpy(value).mean())
    except ValueError:  # under 41 pixels a side
        scores["VIF"] = None
    try:  # piq's GMSD, on the luma of RGB: grey and RGB images only
        value = call(imagelosses.gmsd, y_true, y_pred, max_val=max_val, data_format=last)
        scores["GMSD"] = float(_numpy(value).mean())
    except ValueError:  # 2 or 4 channels
        scores["GMSD"] = None
    edges = call(imagelosses.sobel_loss, y_true / max_val, y_pred / max_val, distance="mae", data_format=last)
    scores["edge error"] = float(_numpy(edges).mean())
    return scores


def _range(path: str, array: np.ndarray) -> float:
    """The intensity range of one file from its dtype; CLIError for a float image beyond 0-1."""
    max_val = data.default_max_val(array)
    if np.issubdtype(array.dtype, np.floating) and np.nanmax(np.abs(array)) > FLOAT_LIMIT:
        raise CLIError(
            f"{path} is a {array.dtype} image with values up to "
            f"{float(np.nanmax(np.abs(array))):.6g}; floats are read as 0-1 intensities. "
            "Pass --max-val with the range of both files"
        )
    return max_val


def scaled_pair(ref_path, test_path, ref, test, max_val):
    """Both images as float32 on one range, and that range.

    Without `max_val`, each file is divided by its own dtype's range (`_range`) and the pair is
    compared on 0-1. With `max_val`, both keep their values, and a pair whose dtypes imply different
    ranges (8-bit against float, say) is refused.
    """
    if max_val is None:
        ref_max, test_max = _range(ref_path, ref), _range(test_path, test)
        return ref.astype(np.float32) / ref_max, test.astype(np.float32) / test_max, 1.0
    ref_max, test_max = data.default_max_val(ref), data.default_max_val(test)
    if ref_max != test_max:
        raise CLIError(
            f"--max-val {max_val:g} gives both files one range, but {ref_path} is "
            f"{ref.dtype} (0-{ref_max:g}) and {test_path} is {test.dtype} "
            f"(0-{test_max:g}); leave --max-val out to scale each by its own dtype"
        )
    return ref.astype(np.float32), test.astype(np.float32), float(max_val)


def _mask_metrics(num_classes: int):
    return metrics.IoU(num_classes=num_classes), metrics.Dice(num_classes=num_classes)


def _per_class(metric, num_classes: int) -> np.ndarray:
    result = metric.result()
    if isinstance(result, dict):
        result = result.get("per_class", result.get("per class"))
    values = np.atleast_1d(_numpy(result))
    if values.size != num_classes:
        raise CLIError(
            f"imagelosses.metrics.{type(metric).__name__} returned {values.size} values; "
            f"expected one per class ({num_classes})"
        )
    return values


def mask_scores(pairs_arrays, num_classes: int, names, progress=None) -> tuple[list[dict], dict]:
    overall = _mask_metrics(num_classes)
    rows = []
    eye = np.eye(num_classes, dtype=np.float32)
    for index, (ref, test) in enumerate(pairs_arrays):
        y_true = ref[None, ..., None].astype(np.int32)
        y_pred = eye[np.clip(test, 0, num_classes - 1)][None]  # one-hot of the test labels
        metrics = _mask_metrics(num_classes)
        scores = {}
        for metric, all_pairs, label in zip(metrics, overall, ("IoU", "Dice")):
            metric.update_state(y_true, y_pred)
            all_pairs.update_state(y_true, y_pred)
            values = _per_class(metric, num_classes)
            scores.update({f"{label} {n}": float(v) for n, v in zip(names, values)})
            scores[f"mean {label}"] = float(np.nanmean(values)) if np.isfinite(values).any() else None
        rows.append(scores)
        if progress is not None:
            progress.update(index + 1)
    total = {}
    for metric, label in zip(overall, ("IoU", "Dice")):
        values = _per_class(metric, num_classes)
        total.update({f"{label} {n}": float(v) for n, v in zip(names, values)})
        total[f"mean {label}"] = float(np.nanmean(values)) if np.isfinite(values).any() else None
    return rows, total


def _read_all(pairs, masks: bool):
    arrays, problems = [], []
    for ref_path, test_path in pairs:
        try:
            ref, test = data.read_image(ref_path), data.read_image(test_path)
            if masks:
                ref, test = data.read_labels(ref_path, ref), data.read_labels(test_path, test)
                for path, labels in ((ref_path, ref), (test_path, test)):
                    warning = data.labels_warning(path, labels)
                    if warning:
                        _warn(warning)
        except CLIError as error:
            problems.append(str(error))
            continue
        if ref.shape != test.shape:
            problems.append(
                f"size mismatch: {ref_path} is {'x'.join(map(str, ref.shape))}, "
                f"{test_path} is {'x'.join(map(str, test.shape))}"
            )
            continue
        arrays.append((ref_path, test_path, ref, test))
    return arrays, problems


class _Progress:
    """`compare: 12/240 pairs` on stderr: redrawn on a terminal, else a line per tenth of the work."""

    def __init__(self, total: int):
        self.total, self.start = total, time.perf_counter()
        self.show = total >= PROGRESS_PAIRS
        self.tty = sys.stderr.isatty()
        self.step = max(1, total // 10)

    def update(self, done: int):
        if not self.show or not (self.tty or done % self.step == 0 or done == self.total):
            return
        text = f"compare: {done}/{self.total} pairs, {time.perf_counter() - self.start:.1f} s"
        end = ("\n" if done == self.total else "") if self.tty else "\n"
        sys.stderr.write(("\r" + text if self.tty else text) + end)
        sys.stderr.flush()


def run(args) -> int:
    pairs = _pairs(args.ref, args.test, args.skip_unpaired)
    if args.max_val is not None and args.max_val <= 0:
        raise CLIError(f"--max-val must be positive; received {args.max_val}", EXIT_USAGE)
    arrays, problems = _read_all(pairs, args.masks)
    if not args.masks:
        checked = []
        for ref_path, test_path, ref, test in arrays:
            try:
                checked.append(
                    (ref_path, test_path, *scaled_pair(ref_path, test_path, ref, test, args.max_val))
                )
            except CLIError as error:
                problems.append(str(error))
        arrays = checked
    if problems:
        raise CLIError(
            f"{len(problems)} of {len(pairs)} pair(s) cannot be compared:\n  " + "\n  ".join(problems),
            EXIT_DATA,
        )
    if args.masks:
        num_classes = int(max(max(r.max(), t.max()) for _, _, r, t in arrays)) + 1
        num_classes = max(num_classes, 2)
        names = [str(k) for k in range(num_classes)]
        scores, overall = mask_scores(
            [(r, t) for _, _, r, t in arrays], num_classes, names, _Progress(len(arrays))
        )
        columns = [f"IoU {n}" for n in names] + ["mean IoU"] + [f"Dice {n}" for n in names]
        columns += ["mean Dice"]
    else:
        scores, progress = [], _Progress(len(arrays))
        for index, (_, _, ref, test, max_val) in enumerate(arrays):
            scores.append(image_scores(ref, test, max_val))
            progress.update(index + 1)
        columns = list(IMAGE_COLUMNS)
        overall = {}
        for c in columns:
            values = [s[c] for s in scores if s[c] is not None]
            overall[c] = float(np.mean(values)) if values else None
    rows = [dict(ref=item[0], test=item[1], **s) for item, s in zip(arrays, scores)]
    print(_render(args.format, columns, rows, overall))
    return 0


def _render(kind: str, columns, rows, overall) -> str:
    if kind == "json":

        def clean(d):  # JSON has no inf or NaN: they become null
            return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in d.items()}

        units = {"PSNR": "dB"}
        return json.dumps(
            dict(columns=columns, units=units, pairs=[clean(r) for r in rows], overall=clean(overall)),
            indent=2,
        )
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["ref", "test", *columns])
        for r in rows:
            writer.writerow([r["ref"], r["test"], *["" if r[c] is None else f"{r[c]:.6g}" for c in columns]])
        writer.writerow(
            ["overall", "", *["" if overall[c] is None else f"{overall[c]:.6g}" for c in columns]]
        )
        return out.getvalue().rstrip("\n")
    header = ["pair"] + [c + (" (dB)" if c == "PSNR" else "") for c in columns]
    table = [[os.path.basename(r["test"])] + [fmt(r[c]) for c in columns] for r in rows]
    if len(rows) > 1:
        table.append(
            ["overall (mean)" if "SSIM" in columns else "overall (all pixels)"]
            + [fmt(overall[c]) for c in columns]
        )
    return text_table(header, table)
