"""`imagelosses bakeoff`: train one small net per loss on the same data, score on held-out data.

Restoration: patches of scikit-image's sample photographs, split by photograph, degraded by blur
and noise; a residual conv net per loss; held-out PSNR, SSIM, MS-SSIM and Sobel edge error.
Segmentation: generated images with rare small objects (about 1:100); a small U-Net per loss;
held-out IoU per class and mean IoU. Writes `report.html`, PNG figures and `metrics.json`.
"""

from __future__ import annotations

import platform
import sys
import time

import keras
import numpy as np

import imagelosses
from imagelosses import metrics
from imagelosses.cli import data, report, specs, train
from imagelosses.cli._common import EXIT_USAGE, CLIError, fmt, text_table

# Sizes of data, nets and training. The default run fits in 5 minutes on a 2-core CPU
# (tensorflow backend); --quick is a smoke run under a minute.
SETTINGS = {
    "default": {
        "restore": dict(patch=48, patches=384, tile=192, tiles=6, epochs=6, batch_size=16,
                        learning_rate=2e-3, width=24, depth=4),
        "segment": dict(size=64, count=256, test_count=48, epochs=8, batch_size=16,
                        learning_rate=3e-3, width=12),
    },
    "quick": {
        "restore": dict(patch=48, patches=48, tile=192, tiles=2, epochs=1, batch_size=16,
                        learning_rate=2e-3, width=8, depth=3),
        "segment": dict(size=64, count=32, test_count=8, epochs=1, batch_size=16,
                        learning_rate=3e-3, width=4),
    },
}

# name, unit, True when higher is better, what it measures
RESTORE_METRICS = [
    ("PSNR", "dB", True, "peak signal-to-noise ratio, intensities 0-1"),
    ("SSIM", "", True, "structural similarity, 11-px Gaussian window (1 = identical)"),
    ("MS-SSIM", "", True, "multi-scale SSIM, 5 scales (1 = identical)"),
    ("edge error", "", False, "mean |Sobel(truth) - Sobel(prediction)|, intensities 0-1"),
]
EXAMPLES = 2  # held-out examples shown in the figure grid
LAST = "channels_last"  # every array of the bake-off is (B, H, W, C)


def add_arguments(parser):
    parser.add_argument("--task", choices=("restore", "segment", "all"), default="all",
                        help="which bake-off to run (default: all)")
    parser.add_argument("--losses", help="comma-separated losses: names or expressions such as "
                        "'mse,ssim,mse+0.2*sobel' (default: the task's list; see `imagelosses list`)")
    parser.add_argument("--epochs", type=int, help="training epochs per loss (default: 6 for "
                        "restore, 8 for segment; 1 with --quick)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, weights and shuffling "
                        "(same seed and backend: same numbers; default 0)")
    parser.add_argument("--out", default="imagelosses-report",
                        help="report folder (default: imagelosses-report/)")
    parser.add_argument("--quick", action="store_true", help="a smoke run under a minute: tiny "
                        "data and nets, 1 epoch")
    parser.add_argument("--images", help="folder of your own images (restoration on them, or "
                        "segmentation with --masks)")
    parser.add_argument("--masks", help="folder of label maps paired with --images by file name")


def _check(args):
    if args.epochs is not None and args.epochs < 1:
        raise CLIError(f"--epochs must be at least 1; received {args.epochs}", EXIT_USAGE)
    if args.masks and not args.images:
        raise CLIError("--masks needs --images (the images the masks label)", EXIT_USAGE)
    if args.losses and args.task == "all" and not args.images:
        raise CLIError("--losses needs --task restore or --task segment (the tasks take different "
                       "losses)", EXIT_USAGE)
    tasks = ["restore", "segment"] if args.task == "all" else [args.task]
    if args.images:
        task = "segment" if args.masks else "restore"
        if args.task not in ("all", task):
            raise CLIError(f"--task {args.task} does not fit --images "
                           f"{'with' if args.masks else 'without'} --masks (that is the {task} "
                           "task)", EXIT_USAGE)
        tasks = [task]
    return tasks


# ------------------------------------------------------------------------------ restoration
def _ms_ssim_options(size: int) -> dict:
    """The MS-SSIM power factors for `size`-pixel images: as many scales as the size allows."""
    factors = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
    scales = 5
    while scales > 1 and (11 - 1) * 2 ** (scales - 1) + 1 > size:
        scales -= 1
    return {"power_factors": factors[:scales]}


def restore_scores(y_true, y_pred) -> dict:
    """Held-out scores, the mean over images; predictions are clipped to [0, 1] first."""
    y_pred = np.clip(y_pred, 0.0, 1.0).astype(np.float32)
    y_true = y_true.astype(np.float32)
    psnr, ssim, ms_ssim = imagelosses.psnr, imagelosses.ssim, imagelosses.ms_ssim
    scores = {
        "PSNR": float(np.mean(keras.ops.convert_to_numpy(psnr(y_true, y_pred, max_val=1.0,
                                                             data_format=LAST)))),
        "SSIM": float(np.mean(keras.ops.convert_to_numpy(ssim(y_true, y_pred, max_val=1.0,
                                                             data_format=LAST)))),
    }
    try:
        value = ms_ssim(y_true, y_pred, max_val=1.0, data_format=LAST)
        scores["MS-SSIM"] = float(np.mean(keras.ops.convert_to_numpy(value)))
    except ValueError:  # held-out images too small for 5 scales
        scores["MS-SSIM"] = None
    edges = imagelosses.sobel_loss(y_true, y_pred, distance="mae", data_format=LAST)
    scores["edge error"] = float(np.mean(keras.ops.convert_to_numpy(edges)))
    return scores


def _psnr_curve(dataset):
    psnr = imagelosses.psnr

    def evaluate(model):
        pred = np.clip(train.predict(model, dataset.x_test), 0.0, 1.0)
        value = psnr(dataset.y_test, pred, max_val=1.0, data_format=LAST)
        return float(np.mean(keras.ops.convert_to_numpy(value)))

    return evaluate


def run_restore(args, settings, losses, log) -> dict:
    if args.images:
        dataset = data.user_restore(args.images, patch=settings["patch"],
                                    patches=settings["patches"], seed=args.seed)
    else:
        dataset = data.builtin_restore(patch=settings["patch"], patches=settings["patches"],
                                       tile=settings["tile"], tiles=settings["tiles"],
                                       seed=args.seed)
    ms = _ms_ssim_options(settings["patch"])
    context = {"options": {"MSSSIMLoss": ms, "MSSSIML1Loss": ms}}
    built = [specs.build(text, "restore", context) for text in losses]
    baseline = restore_scores(dataset.y_test, dataset.x_test)
    runs, examples = [], {"input": dataset.x_test[:EXAMPLES], "truth": dataset.y_test[:EXAMPLES]}
    for index, (label, loss) in enumerate(built):
        keras.utils.set_random_seed(args.seed)
        model = train.restore_net(settings["width"], settings["depth"])
        progress, seconds = train.fit(
            model, loss, dataset.x, dataset.y, epochs=settings["epochs"],
            batch_size=settings["batch_size"], learning_rate=settings["learning_rate"],
            label=f"restore {index + 1}/{len(built)} {label:<18}", evaluate=_psnr_curve(dataset),
            stream=log)
        prediction = np.clip(train.predict(model, dataset.x_test), 0.0, 1.0)
        runs.append(dict(loss=label, metrics=restore_scores(dataset.y_test, prediction),
                         history={"loss": progress.losses, "heldout_PSNR_dB": progress.curve},
                         train_seconds=round(seconds, 2)))
        examples[label] = prediction[:EXAMPLES]
    metrics = [dict(name=n, unit=u, higher_is_better=h, description=d)
               for n, u, h, d in RESTORE_METRICS]
    return dict(task="restore", data=dataset.description, metrics=metrics, runs=runs,
                baseline=dict(loss="input (no net)", metrics=baseline),
                curve=dict(name="held-out PSNR", unit="dB"),
                settings={k: v for k, v in settings.items()}, _examples=examples)


# ----------------------------------------------------------------------------- segmentation
def _median_frequency_weights(labels: np.ndarray, num_classes: int) -> list[float]:
    """Median-frequency balancing (Eigen and Fergus 2015): median(freq) / freq per class."""
    freq = np.array([np.mean(labels == k) for k in range(num_classes)], np.float64)
    freq = np.maximum(freq, 1e-6)
    return [round(float(w), 4) for w in np.median(freq) / freq]


def segment_scores(y_true, probabilities, num_classes: int, class_names) -> dict:
    """Held-out IoU per class and their mean, counted over all held-out pixels."""
    metric = metrics.IoU(num_classes=num_classes)
    metric.update_state(y_true, probabilities)
    result = metric.result()
    values = keras.ops.convert_to_numpy(result["per_class"] if isinstance(result, dict) else result)
    values = np.atleast_1d(np.asarray(values, np.float64))
    if values.size == 1:  # a metric that returns only the mean: count per class ourselves
        values = np.array([_iou(y_true, probabilities, k) for k in range(num_classes)])
    scores = {f"IoU {name}": float(v) for name, v in zip(class_names, values)}
    scores["mean IoU"] = float(np.nanmean(values))
    return scores


def _iou(y_true, probabilities, k):
    pred = np.argmax(probabilities, -1)
    truth = y_true[..., 0]
    union = np.sum((pred == k) | (truth == k))
    return float(np.sum((pred == k) & (truth == k)) / union) if union else float("nan")


def run_segment(args, settings, losses, log) -> dict:
    if args.images:
        dataset = data.user_segment(args.images, args.masks, size=settings["size"], seed=args.seed)
    else:
        dataset = data.builtin_segment(size=settings["size"], count=settings["count"],
                                       test_count=settings["test_count"], seed=args.seed)
    names = dataset.description["classes"]
    k = len(names)
    context = {"class_weights": _median_frequency_weights(dataset.y, k)}
    built = [specs.build(text, "segment", context) for text in losses]
    runs, examples = [], {"input": dataset.x_test[:EXAMPLES], "truth": dataset.y_test[:EXAMPLES]}
    iou_curve = lambda model: segment_scores(  # noqa: E731
        dataset.y_test, train.predict(model, dataset.x_test), k, names)["mean IoU"]
    for index, (label, loss) in enumerate(built):
        keras.utils.set_random_seed(args.seed)
        model = train.unet(k, settings["width"])
        progress, seconds = train.fit(
            model, loss, dataset.x, dataset.y, epochs=settings["epochs"],
            batch_size=settings["batch_size"], learning_rate=settings["learning_rate"],
            label=f"segment {index + 1}/{len(built)} {label:<18}", evaluate=iou_curve, stream=log)
        probabilities = train.predict(model, dataset.x_test)
        runs.append(dict(loss=label, metrics=segment_scores(dataset.y_test, probabilities, k, names),
                         history={"loss": progress.losses, "heldout_mean_IoU": progress.curve},
                         train_seconds=round(seconds, 2)))
        examples[label] = np.argmax(probabilities[:EXAMPLES], -1)[..., None]
    metrics = [dict(name=f"IoU {n}", unit="", higher_is_better=True,
                    description=f"intersection over union of class '{n}', all held-out pixels")
               for n in names]
    metrics.append(dict(name="mean IoU", unit="", higher_is_better=True,
                        description="mean of the per-class IoUs"))
    return dict(task="segment", data=dataset.description, metrics=metrics, runs=runs,
                class_weights_wce=context["class_weights"], curve=dict(name="held-out mean IoU",
                unit=""), settings=dict(settings), _examples=examples)


# ---------------------------------------------------------------------------------- summary
def best_index(result: dict, metric: dict):
    values = [run["metrics"].get(metric["name"]) for run in result["runs"]]
    valid = [(v, i) for i, v in enumerate(values) if v is not None and not np.isnan(v)]
    if not valid:
        return None
    return (max if metric["higher_is_better"] else min)(valid)[1]


def summary(result: dict) -> str:
    metrics = result["metrics"]
    header = ["loss"] + [f"{m['name']}{' (' + m['unit'] + ')' if m['unit'] else ''} "
                         f"{'^' if m['higher_is_better'] else 'v'}" for m in metrics] + ["train s"]
    best = [best_index(result, m) for m in metrics]
    rows = []
    for i, run in enumerate(result["runs"]):
        cells = [run["loss"]]
        for m, b in zip(metrics, best):
            cells.append(fmt(run["metrics"].get(m["name"])) + (" *" if b == i else "  "))
        rows.append(cells + [f"{run['train_seconds']:.1f}"])
    if "baseline" in result:
        base = result["baseline"]
        rows.append([base["loss"]] + [fmt(base["metrics"].get(m["name"])) + "  " for m in metrics]
                    + ["-"])
    return text_table(header, rows)


def run(args) -> int:
    """The bake-off; the nets and losses work in channels_last, restored afterwards."""
    previous = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_last")
    try:
        return _run(args)
    finally:
        keras.config.set_image_data_format(previous)


def _run(args) -> int:
    tasks = _check(args)
    mode = "quick" if args.quick else "default"
    log = sys.stderr
    started = time.perf_counter()
    results = []
    print(f"imagelosses bakeoff: backend {keras.backend.backend()}, seed {args.seed}, "
          f"tasks {', '.join(tasks)}{', quick' if args.quick else ''}; report in {args.out}/",
          file=log)
    for task in tasks:
        settings = dict(SETTINGS[mode][task])
        if args.epochs is not None:
            settings["epochs"] = args.epochs
        losses = specs.split_losses(args.losses) if args.losses else specs.DEFAULT_LOSSES[task]
        # Build every loss before any training, so a bad name fails in the first second.
        check_context = {"class_weights": [1.0, 1.0]}
        for text in losses:
            specs.build(text, task, check_context)
        print(f"{task}: {len(losses)} losses, {settings['epochs']} epoch(s) each", file=log)
        runner = run_restore if task == "restore" else run_segment
        results.append(runner(args, settings, losses, log))
    total = time.perf_counter() - started
    info = dict(command="imagelosses bakeoff " + " ".join(args.argv), task=args.task,
                losses=args.losses, epochs=args.epochs, seed=args.seed, quick=args.quick,
                images=args.images, masks=args.masks, backend=keras.backend.backend(),
                versions=dict(imagelosses=imagelosses.__version__, keras=keras.__version__,
                              numpy=np.__version__, python=platform.python_version()),
                machine=f"{platform.machine()} {platform.system()}", seconds=round(total, 1))
    paths = report.write(args.out, info, results)
    for result in results:
        print(f"\n{result['task']} (held-out; ^ higher is better, v lower is better, * best):")
        print(summary(result))
    print(f"\nreport: {paths['html']}\nmetrics: {paths['json']}\ntotal {total:.1f} s")
    return 0
