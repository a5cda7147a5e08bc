"""`imagelosses compare REF TEST`: how close TEST is to REF, per pair of images and overall.

REF and TEST are two image files, or two folders whose files are paired by name (the suffix may
differ: ref/a.png pairs with test/a.npy). Images: SSIM, MS-SSIM (when the image is large enough
for five scales), PSNR (dB) and Sobel edge error (mean absolute difference of the Sobel responses,
on intensities divided by --max-val). With --masks, REF and TEST are label maps: IoU and Dice per
class, counted over all pairs for the overall row. Reads PNG, JPEG, TIFF and .npy.
"""

from __future__ import annotations

import csv
import io
import json
import os

import keras
import numpy as np

import imagelosses
from imagelosses import metrics
from imagelosses.cli import data
from imagelosses.cli._common import EXIT_DATA, EXIT_USAGE, CLIError, fmt, text_table


def add_arguments(parser):
    parser.add_argument("ref", metavar="REF", help="reference image file or folder")
    parser.add_argument("test", metavar="TEST", help="test image file or folder (same kind as REF)")
    parser.add_argument("--masks", action="store_true",
                        help="REF and TEST are integer label maps: report IoU and Dice per class")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table",
                        help="output format (default: table)")
    parser.add_argument("--max-val", type=float, default=None,
                        help="intensity range for SSIM and PSNR (default: from the dtype of REF: "
                             "255 for 8-bit, 65535 for 16-bit, 1 for float)")


def _pairs(ref: str, test: str) -> list[tuple[str, str]]:
    for path in (ref, test):
        if not os.path.exists(path):
            raise CLIError(f"{path} does not exist")
    if os.path.isdir(ref) != os.path.isdir(test):
        raise CLIError(f"REF and TEST must both be files or both be folders; received {ref} and "
                       f"{test}", EXIT_USAGE)
    if os.path.isdir(ref):
        return data.pair_files(ref, test)
    return [(ref, test)]


def _numpy(value) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value), np.float64)


def image_scores(ref: np.ndarray, test: np.ndarray, max_val: float) -> dict:
    ssim, ms_ssim, psnr = imagelosses.ssim, imagelosses.ms_ssim, imagelosses.psnr
    y_true = ref.astype(np.float32).reshape((1,) + ref.shape[:2] + (-1,))
    y_pred = test.astype(np.float32).reshape((1,) + test.shape[:2] + (-1,))
    last = "channels_last"  # arrays are (1, H, W, C) whatever keras.config says
    scores = {"SSIM": float(_numpy(ssim(y_true, y_pred, max_val=max_val, data_format=last)).mean())}
    try:
        value = ms_ssim(y_true, y_pred, max_val=max_val, data_format=last)
        scores["MS-SSIM"] = float(_numpy(value).mean())
    except ValueError:  # too small for five scales
        scores["MS-SSIM"] = None
    scores["PSNR"] = float(_numpy(psnr(y_true, y_pred, max_val=max_val, data_format=last)).mean())
    edges = imagelosses.sobel_loss(y_true / max_val, y_pred / max_val, distance="mae",
                                   data_format=last)
    scores["edge error"] = float(_numpy(edges).mean())
    return scores


def _labels(path: str, array: np.ndarray) -> np.ndarray:
    if array.ndim != 2:
        raise CLIError(f"{path} has shape {array.shape}; a label map must be 2D (H, W)")
    if array.dtype != bool and (not np.all(np.mod(array, 1) == 0) or array.min() < 0):
        raise CLIError(f"{path} holds values that are not non-negative integer labels")
    return array.astype(np.int64)


def _mask_metrics(num_classes: int):
    return metrics.IoU(num_classes=num_classes), metrics.Dice(num_classes=num_classes)


def _per_class(metric, num_classes: int) -> np.ndarray:
    result = metric.result()
    if isinstance(result, dict):
        result = result.get("per_class", result.get("per class"))
    values = np.atleast_1d(_numpy(result))
    if values.size != num_classes:
        raise CLIError(f"imagelosses.metrics.{type(metric).__name__} returned {values.size} values; "
                       f"expected one per class ({num_classes})")
    return values


def mask_scores(pairs_arrays, num_classes: int, names) -> tuple[list[dict], dict]:
    overall = _mask_metrics(num_classes)
    rows = []
    eye = np.eye(num_classes, dtype=np.float32)
    for ref, test in pairs_arrays:
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
                ref, test = _labels(ref_path, ref), _labels(test_path, test)
        except CLIError as error:
            problems.append(str(error))
            continue
        if ref.shape != test.shape:
            problems.append(f"size mismatch: {ref_path} is {'x'.join(map(str, ref.shape))}, "
                            f"{test_path} is {'x'.join(map(str, test.shape))}")
            continue
        arrays.append((ref_path, test_path, ref, test))
    return arrays, problems


def run(args) -> int:
    pairs = _pairs(args.ref, args.test)
    if args.max_val is not None and args.max_val <= 0:
        raise CLIError(f"--max-val must be positive; received {args.max_val}", EXIT_USAGE)
    arrays, problems = _read_all(pairs, args.masks)
    if problems:
        raise CLIError(f"{len(problems)} of {len(pairs)} pair(s) cannot be compared:\n  "
                       + "\n  ".join(problems), EXIT_DATA)
    if args.masks:
        num_classes = int(max(max(r.max(), t.max()) for _, _, r, t in arrays)) + 1
        num_classes = max(num_classes, 2)
        names = [str(k) for k in range(num_classes)]
        scores, overall = mask_scores([(r, t) for _, _, r, t in arrays], num_classes, names)
        columns = [f"IoU {n}" for n in names] + ["mean IoU"] + [f"Dice {n}" for n in names]
        columns += ["mean Dice"]
    else:
        scores = []
        for _, _, ref, test in arrays:
            max_val = args.max_val or data.default_max_val(ref)
            scores.append(image_scores(ref, test, max_val))
        columns = ["SSIM", "MS-SSIM", "PSNR", "edge error"]
        overall = {}
        for c in columns:
            values = [s[c] for s in scores if s[c] is not None]
            overall[c] = float(np.mean(values)) if values else None
    rows = [dict(ref=r, test=t, **s) for (r, t, _, _), s in zip(arrays, scores)]
    print(_render(args.format, columns, rows, overall))
    return 0


def _render(kind: str, columns, rows, overall) -> str:
    if kind == "json":
        clean = lambda d: {k: (None if isinstance(v, float) and not np.isfinite(v) else v)  # noqa
                           for k, v in d.items()}
        units = {"PSNR": "dB"}
        return json.dumps(dict(columns=columns, units=units, pairs=[clean(r) for r in rows],
                               overall=clean(overall)), indent=2)
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["ref", "test", *columns])
        for r in rows:
            writer.writerow([r["ref"], r["test"], *["" if r[c] is None else f"{r[c]:.6g}"
                                                    for c in columns]])
        writer.writerow(["overall", "", *["" if overall[c] is None else f"{overall[c]:.6g}"
                                          for c in columns]])
        return out.getvalue().rstrip("\n")
    header = ["pair"] + [c + (" (dB)" if c == "PSNR" else "") for c in columns]
    table = [[os.path.basename(r["test"])] + [fmt(r[c]) for c in columns] for r in rows]
    if len(rows) > 1:
        table.append(["overall (mean)" if "SSIM" in columns else "overall (all pixels)"]
                     + [fmt(overall[c]) for c in columns])
    return text_table(header, table)
