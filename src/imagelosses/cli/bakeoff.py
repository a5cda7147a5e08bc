"""`imagelosses bakeoff`: train one small net per loss on the same data, score on held-out data.

Restoration: patches of scikit-image's sample photographs, split by photograph, degraded by blur
and noise; a residual conv net per loss; held-out PSNR, SSIM, MS-SSIM and Sobel edge error.
Segmentation: generated images with rare small objects (about 1:100); a small U-Net with instance
normalisation that outputs logits (every segmentation loss runs with from_logits=True); held-out
IoU and Dice per class from the softmax. With --seeds N each loss trains from N seeds (data,
weights and shuffling); scores are the mean and standard deviation over seeds, and a loss is
marked best only where it beats the runner-up by more than their spread. Each run records the
largest |output| it reached and the classes it never predicted; a run that diverged or never
predicted a class is named in a warning. Writes `report.html`, PNG figures and `metrics.json`.
"""

from __future__ import annotations

import importlib
import platform
import shlex
import sys
import time

import keras
import numpy as np

import imagelosses
from imagelosses import metrics
from imagelosses.cli import data, report, specs, train
from imagelosses.cli._common import EXIT_USAGE, CLIError
from imagelosses.cli._compiled import call
from imagelosses.cli.results import Bakeoff, Diagnostics, Metric, Run, TaskResult

# Sizes of data, nets and training. The default run took 3.8 minutes on an idle 2-core CPU
# (tensorflow backend, one seed); --quick is a smoke run under a minute.
# Optimiser: Adam for every loss, batch 16. Segmentation at 3e-3: with instance normalisation
# every default loss, from the cross-entropies to Lovasz, finds both rare classes at this rate
# (measured over seeds 0-2); the normalised net keeps its logits small, so no loss is favoured
# by a rate tuned to it. Restoration at 2e-3: the residual net's largest stable rate for MSE.
SETTINGS = {
    "default": {
        "restore": dict(
            patch=48,
            patches=384,
            tile=192,
            tiles=6,
            epochs=6,
            batch_size=16,
            learning_rate=2e-3,
            width=24,
            depth=4,
        ),
        "segment": dict(
            size=64, count=256, test_count=48, epochs=8, batch_size=16, learning_rate=3e-3, width=12
        ),
    },
    "quick": {
        "restore": dict(
            patch=48,
            patches=48,
            tile=192,
            tiles=2,
            epochs=1,
            batch_size=16,
            learning_rate=2e-3,
            width=8,
            depth=3,
        ),
        "segment": dict(
            size=64, count=32, test_count=8, epochs=1, batch_size=16, learning_rate=3e-3, width=4
        ),
    },
}

# A run counts as diverged beyond these |output| values. Logits: past ~90 the float32 softmax of
# the other classes underflows (exp(-88) is the smallest normal float32), so their gradient is
# exactly 0; the default runs stay far below 100. Restoration outputs are intensities in [0, 1].
LOGIT_LIMIT = 100.0
OUTPUT_LIMIT = 10.0

RESTORE_METRICS = [
    Metric("PSNR", "dB", True, "peak signal-to-noise ratio, intensities 0-1"),
    Metric("SSIM", "", True, "structural similarity, 11-px Gaussian window (1 = identical)"),
    Metric("MS-SSIM", "", True, "multi-scale SSIM, 5 scales (1 = identical)"),
    Metric("edge error", "", False, "mean |Sobel(truth) - Sobel(prediction)|, intensities 0-1"),
]
EXAMPLES = 2  # held-out examples shown in the figure grid
LAST = "channels_last"  # every array of the bake-off is (B, H, W, C)
NEEDS = ("matplotlib", "PIL", "skimage")  # the `cli` extra, checked before any training


def add_arguments(parser):
    parser.add_argument(
        "--task",
        choices=("restore", "segment", "all"),
        default="all",
        help="which bake-off to run (default: all)",
    )
    parser.add_argument(
        "--losses",
        help="comma-separated losses: names or expressions such as "
        "'mse,ssim,mse+0.2*sobel' (default: the task's list; see `imagelosses list`)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        help="training epochs per loss (default: 6 for restore, 8 for segment; 1 with --quick)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="first seed for data, weights and shuffling (same seed and backend: same numbers; default 0)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="number of seeds, from --seed on; "
        "scores are the mean and standard deviation over them (default 1)",
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        help="Adam learning rate for every loss (default: 2e-3 restore, 3e-3 segment)",
    )
    parser.add_argument(
        "--out", default="imagelosses-report", help="report folder (default: imagelosses-report/)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run under a minute: tiny data and nets, 1 epoch"
    )
    parser.add_argument(
        "--images", help="folder of your own images (restoration on them, or segmentation with --masks)"
    )
    parser.add_argument("--masks", help="folder of label maps paired with --images by file name")


def _check(args):
    if args.epochs is not None and args.epochs < 1:
        raise CLIError(f"--epochs must be at least 1; received {args.epochs}", EXIT_USAGE)
    if args.seeds < 1:
        raise CLIError(f"--seeds must be at least 1; received {args.seeds}", EXIT_USAGE)
    if args.learning_rate is not None and not args.learning_rate > 0:
        raise CLIError(f"--learning-rate must be positive; received {args.learning_rate}", EXIT_USAGE)
    if args.masks and not args.images:
        raise CLIError("--masks needs --images (the images the masks label)", EXIT_USAGE)
    if args.losses and args.task == "all" and not args.images:
        raise CLIError(
            "--losses needs --task restore or --task segment (the tasks take different losses)", EXIT_USAGE
        )
    tasks = ["restore", "segment"] if args.task == "all" else [args.task]
    if args.images:
        task = "segment" if args.masks else "restore"
        if args.task not in ("all", task):
            raise CLIError(
                f"--task {args.task} does not fit --images "
                f"{'with' if args.masks else 'without'} --masks (that is the {task} "
                "task)",
                EXIT_USAGE,
            )
        tasks = [task]
    return tasks


def _require_extra():
    """Import the `cli` extra now, so a missing package fails before hours of training."""
    for name in NEEDS:
        importlib.import_module(name)  # ModuleNotFoundError: main.py names the extra


def _numpy_mean(value) -> float:
    return float(np.mean(keras.ops.convert_to_numpy(value)))


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
    options = dict(max_val=1.0, data_format=LAST)
    scores = {
        "PSNR": _numpy_mean(call(imagelosses.psnr, y_true, y_pred, **options)),
        "SSIM": _numpy_mean(call(imagelosses.ssim, y_true, y_pred, **options)),
    }
    try:
        scores["MS-SSIM"] = _numpy_mean(call(imagelosses.ms_ssim, y_true, y_pred, **options))
    except ValueError:  # held-out images too small for 5 scales
        scores["MS-SSIM"] = None
    edges = call(imagelosses.sobel_loss, y_true, y_pred, distance="mae", data_format=LAST)
    scores["edge error"] = _numpy_mean(edges)
    return scores


def _restore_data(args, settings, seed):
    if args.images:
        return data.user_restore(args.images, patch=settings["patch"], patches=settings["patches"], seed=seed)
    return data.builtin_restore(
        patch=settings["patch"],
        patches=settings["patches"],
        tile=settings["tile"],
        tiles=settings["tiles"],
        seed=seed,
    )


def run_restore(args, settings, losses, seeds, log) -> TaskResult:
    ms = _ms_ssim_options(settings["patch"])
    context = {"options": {"MSSSIMLoss": ms, "MSSSIML1Loss": ms}}
    result = None
    for s_index, seed in enumerate(seeds):
        dataset = _restore_data(args, settings, seed)
        if result is None:
            result = TaskResult(
                "restore",
                dataset.description,
                RESTORE_METRICS,
                dict(name="held-out PSNR", unit="dB"),
                dict(settings),
                seeds,
                examples={"input": dataset.x_test[:EXAMPLES], "truth": dataset.y_test[:EXAMPLES]},
            )
        result.baseline.append(restore_scores(dataset.y_test, dataset.x_test))

        def psnr(prediction, y_test=dataset.y_test):
            clipped = np.clip(prediction, 0.0, 1.0).astype(np.float32)
            return _numpy_mean(call(imagelosses.psnr, y_test, clipped, max_val=1.0, data_format=LAST))

        for index, text in enumerate(losses):
            label, loss = specs.build(text, "restore", context)
            keras.utils.set_random_seed(seed)
            model = train.restore_net(settings["width"], settings["depth"])
            diagnostics = Diagnostics("output", OUTPUT_LIMIT)
            progress, seconds = train.fit(
                model,
                loss,
                dataset.x,
                dataset.y,
                epochs=settings["epochs"],
                batch_size=settings["batch_size"],
                learning_rate=settings["learning_rate"],
                label=_label("restore", index, losses, label, s_index, seeds),
                x_test=dataset.x_test,
                score=psnr,
                diagnostics=diagnostics,
                stream=log,
            )
            prediction = np.clip(np.nan_to_num(progress.prediction), 0.0, 1.0)
            scores = (
                restore_scores(dataset.y_test, prediction)
                if diagnostics.finite
                else {m.name: None for m in RESTORE_METRICS}
            )
            result.runs.append(
                Run(
                    label,
                    seed,
                    scores,
                    {"loss": progress.losses, "heldout": progress.curve},
                    seconds,
                    diagnostics,
                )
            )
            if s_index == 0:
                result.examples[label] = prediction[:EXAMPLES]
    return result


def _label(task, index, losses, label, s_index, seeds) -> str:
    seed = f" seed {s_index + 1}/{len(seeds)}" if len(seeds) > 1 else ""
    return f"{task} {index + 1}/{len(losses)} {label:<18}{seed}"


# ----------------------------------------------------------------------------- segmentation
def _median_frequency_weights(labels: np.ndarray, num_classes: int) -> list[float]:
    """Median-frequency balancing (Eigen and Fergus 2015): median(freq) / freq per class."""
    freq = np.array([np.mean(labels == k) for k in range(num_classes)], np.float64)
    freq = np.maximum(freq, 1e-6)
    return [round(float(w), 4) for w in np.median(freq) / freq]


def _has_hausdorff() -> bool:
    return hasattr(imagelosses, "hausdorff_distance")


def segment_metrics(names) -> list[Metric]:
    found = []
    for score, what in (("IoU", "intersection over union"), ("Dice", "Dice coefficient")):
        found += [
            Metric(f"{score} {n}", "", True, f"{what} of class '{n}', all held-out pixels") for n in names
        ]
        found.append(Metric(f"mean {score}", "", True, f"mean of the per-class {score}s"))
    if _has_hausdorff():
        found += [
            Metric(
                f"HD95 {n}",
                "px",
                False,
                f"95th-percentile Hausdorff distance of class "
                f"'{n}' (MONAI's definition), mean over the held-out images holding the "
                "class in both truth and prediction",
            )
            for n in names[1:]
        ]
    return found


def segment_scores(y_true, logits, names, *, distances: bool = True) -> dict:
    """Held-out IoU and Dice per class (and their means) of the softmax, over all pixels; with
    `distances`, the per-class HD95 of the foreground classes, per image, averaged over the images
    where it is finite (an image missing the class in truth or prediction has none: NaN)."""
    k = len(names)
    probabilities = keras.ops.softmax(keras.ops.convert_to_tensor(logits, "float32"), axis=-1)
    scores = {}
    for label, metric in (("IoU", metrics.IoU(num_classes=k)), ("Dice", metrics.Dice(num_classes=k))):
        metric.update_state(y_true, probabilities)
        values = np.asarray(keras.ops.convert_to_numpy(metric.result()), np.float64).reshape(-1)
        scores.update({f"{label} {n}": float(v) for n, v in zip(names, values)})
        finite = values[np.isfinite(values)]
        scores[f"mean {label}"] = float(np.mean(finite)) if finite.size else None
    if distances and _has_hausdorff():
        hd95 = call(
            imagelosses.hausdorff_distance,
            y_true,
            keras.ops.convert_to_numpy(probabilities),
            percentile=95,
            include_background=False,
            data_format=LAST,
        )
        hd95 = np.asarray(keras.ops.convert_to_numpy(hd95), np.float64)
        for index, name in enumerate(names[1:]):
            column = hd95[:, index]
            finite = column[np.isfinite(column)]
            scores[f"HD95 {name}"] = float(np.mean(finite)) if finite.size else None
    return scores


def _segment_data(args, settings, seed):
    if args.images:
        return data.user_segment(args.images, args.masks, size=settings["size"], seed=seed)
    return data.builtin_segment(
        size=settings["size"], count=settings["count"], test_count=settings["test_count"], seed=seed
    )


def run_segment(args, settings, losses, seeds, log) -> TaskResult:
    result = None
    for s_index, seed in enumerate(seeds):
        dataset = _segment_data(args, settings, seed)
        names = dataset.description["classes"]
        k = len(names)
        if result is None:
            result = TaskResult(
                "segment",
                dataset.description,
                segment_metrics(names),
                dict(name="held-out mean IoU", unit=""),
                dict(settings),
                seeds,
                examples={"input": dataset.x_test[:EXAMPLES], "truth": dataset.y_test[:EXAMPLES]},
            )
        weights = _median_frequency_weights(dataset.y, k)
        result.extra.setdefault("class_weights_wce", {})[str(seed)] = weights
        present = [n for i, n in enumerate(names) if np.any(dataset.y_test == i)]

        def mean_iou(logits, y_test=dataset.y_test, names=names):
            return segment_scores(y_test, logits, names, distances=False)["mean IoU"]

        for index, text in enumerate(losses):
            label, loss = specs.build(text, "segment", {"class_weights": weights})
            keras.utils.set_random_seed(seed)
            model = train.unet(k, settings["width"])
            diagnostics = Diagnostics("logit", LOGIT_LIMIT)
            progress, seconds = train.fit(
                model,
                loss,
                dataset.x,
                dataset.y,
                epochs=settings["epochs"],
                batch_size=settings["batch_size"],
                learning_rate=settings["learning_rate"],
                label=_label("segment", index, losses, label, s_index, seeds),
                x_test=dataset.x_test,
                score=mean_iou,
                diagnostics=diagnostics,
                num_classes=k,
                stream=log,
            )
            diagnostics.never_predicted = [
                n for i, n in enumerate(names) if n in present and not progress.predicted[i]
            ]
            logits = progress.prediction
            scores = (
                segment_scores(dataset.y_test, logits, names)
                if diagnostics.finite
                else {m.name: None for m in result.metrics}
            )
            result.runs.append(
                Run(
                    label,
                    seed,
                    scores,
                    {"loss": progress.losses, "heldout": progress.curve},
                    seconds,
                    diagnostics,
                )
            )
            if s_index == 0:
                result.examples[label] = np.argmax(np.nan_to_num(logits[:EXAMPLES]), -1)[..., None]
    return result


# ---------------------------------------------------------------------------------- command
def run(args) -> int:
    """The bake-off; the nets and losses work in channels_last, restored afterwards."""
    previous = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_last")
    try:
        return _run(args)
    finally:
        keras.config.set_image_data_format(previous)


def _task_settings(args, task: str) -> dict:
    settings = dict(SETTINGS["quick" if args.quick else "default"][task])
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    if args.learning_rate is not None:
        settings["learning_rate"] = args.learning_rate
    settings["optimizer"] = "adam"
    return settings


def _quiet_tensorflow():
    """TensorFlow warns that each new net retraces its step function: true, and expected here."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")


def _run(args) -> int:
    tasks = _check(args)
    _require_extra()
    _quiet_tensorflow()
    log = sys.stderr
    seeds = list(range(args.seed, args.seed + args.seeds))
    plan = {}
    for task in tasks:
        losses = specs.split_losses(args.losses) if args.losses else specs.DEFAULT_LOSSES[task]
        # Build every loss before any training, so a bad name fails in the first second.
        for text in losses:
            specs.build(text, task, {"class_weights": [1.0, 1.0]})
        plan[task] = losses
    started = time.perf_counter()
    print(
        f"imagelosses bakeoff: backend {keras.backend.backend()}, seeds "
        f"{', '.join(map(str, seeds))}, tasks {', '.join(tasks)}"
        f"{', quick' if args.quick else ''}; report in {args.out}/",
        file=log,
    )
    results = []
    for task, losses in plan.items():
        settings = _task_settings(args, task)
        print(
            f"{task}: {len(losses)} losses x {len(seeds)} seed(s), {settings['epochs']} epoch(s) each",
            file=log,
        )
        runner = run_restore if task == "restore" else run_segment
        results.append(runner(args, settings, losses, seeds, log))
    total = time.perf_counter() - started
    info = dict(
        command="imagelosses " + shlex.join(args.argv),
        tasks=tasks,
        losses=args.losses,
        epochs=args.epochs,
        seeds=seeds,
        learning_rate=args.learning_rate,
        quick=args.quick,
        images=args.images,
        masks=args.masks,
        backend=keras.backend.backend(),
        versions=dict(
            imagelosses=imagelosses.__version__,
            keras=keras.__version__,
            numpy=np.__version__,
            python=platform.python_version(),
        ),
        machine=f"{platform.machine()} {platform.system()}",
        seconds=round(total, 1),
    )
    bakeoff = Bakeoff(info, results)
    paths = report.write(args.out, bakeoff)
    for result in results:
        print("\n" + report.text_summary(result))
    print(f"\nreport: {paths['html']}\nmetrics: {paths['json']}\ntotal {total:.1f} s")
    return 0
