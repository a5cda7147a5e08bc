"""`imagelosses list`: every registered loss and metric, what it is for, and its reference.

The lines come from the table below; a loss or metric registered later without an entry shows the
first line of its docstring, so nothing registered is ever left out.
"""

from __future__ import annotations

import inspect
import json
import re

import imagelosses
from imagelosses.cli import specs
from imagelosses.cli._common import text_table

# class name -> (what it is for, the paper or library it follows or matches)
DESCRIPTIONS = {
    "SobelLoss": (
        "distance between Sobel gradients: sharper edges in restoration",
        "Sobel operator; matches scipy.ndimage.sobel",
    ),
    "LaplacianLoss": (
        "distance between Laplacians: fine detail and ringing",
        "matches scipy.ndimage.laplace / OpenCV Laplacian",
    ),
    "GradientDifferenceLoss": (
        "differences of image gradients: less blurry predictions",
        "Mathieu, Couprie and LeCun, ICLR 2016",
    ),
    "WeightedSum": ("weighted sum of losses, e.g. 0.2 * SobelLoss() + 'mse'", "-"),
    "SSIMLoss": (
        "1 - SSIM: perceived structure, luminance and contrast",
        "Wang et al. 2004; matches tf.image.ssim",
    ),
    "MSSSIMLoss": (
        "1 - MS-SSIM: SSIM over five scales",
        "Wang, Simoncelli and Bovik 2003; matches tf.image.ssim_multiscale",
    ),
    "MSSSIML1Loss": (
        "alpha (1 - MS-SSIM) + (1 - alpha) Gaussian-weighted L1, for restoration",
        "Zhao, Gallo, Frosio and Kautz 2017",
    ),
    "CharbonnierLoss": (
        "smooth L1, sqrt(d^2 + eps^2): robust restoration loss",
        "Charbonnier et al. 1994; Lai et al. 2017 (LapSRN)",
    ),
    "TotalVariationLoss": (
        "total variation of the prediction: smoothness prior",
        "Rudin, Osher and Fatemi 1992; matches tf.image.total_variation",
    ),
    "PSNRLoss": ("-PSNR: MSE on a log scale", "-"),
    "SAMLoss": (
        "mean spectral angle per image: spectral shape in hyperspectral restoration",
        "Yuhas et al. 1992; matches torchmetrics spectral_angle_mapper",
    ),
    "BarronLoss": (
        "general robust loss: L2, pseudo-Huber, Cauchy, Geman-McClure, Welsch by alpha",
        "Barron, CVPR 2019; kornia's robust losses at alpha = 1, 0, -2, -inf",
    ),
    "WelschLoss": ("1 - exp(-(d/c)^2 / 2): bounded, outliers stop pulling", "Barron alpha=-inf; kornia"),
    "CauchyLoss": ("log((d/c)^2 / 2 + 1): robust to outliers", "Barron alpha=0; kornia"),
    "GemanMcClureLoss": ("2 (d/c)^2 / ((d/c)^2 + 4): bounded robust loss", "Barron alpha=-2; kornia"),
    "FocalFrequencyLoss": (
        "spectrum error weighted towards the hardest frequencies",
        "Jiang et al., ICCV 2021; equals the authors' focal_frequency_loss 0.3.0",
    ),
    "GMSDLoss": (
        "deviation of the gradient-magnitude similarity map: edge fidelity",
        "Xue et al. 2014; matches piq.gmsd (0.8)",
    ),
    "MSGMSDLoss": (
        "GMSD over four scales, optional chroma term (MS-GMSDc)",
        "Zhang, Sander and Bermak 2017; matches piq.multi_scale_gmsd (0.8)",
    ),
    "DiceLoss": (
        "1 - Dice overlap per class: imbalanced segmentation",
        "Milletari et al. 2016 (V-Net); MONAI DiceLoss",
    ),
    "GeneralizedDiceLoss": (
        "Dice weighted by 1/volume^2 per class: rare classes count",
        "Sudre et al. 2017; MONAI GeneralizedDiceLoss",
    ),
    "JaccardLoss": ("1 - IoU per class", "Jaccard index; MONAI DiceLoss(jaccard=True)"),
    "TverskyLoss": (
        "Dice with separate weights on false positives and false negatives",
        "Salehi et al. 2017; MONAI TverskyLoss",
    ),
    "FocalTverskyLoss": (
        "Tversky loss raised to a power: focus on hard, small objects",
        "Abraham and Khan 2019",
    ),
    "FocalLoss": ("cross-entropy down-weighting easy pixels", "Lin et al. 2017; MONAI FocalLoss"),
    "CrossEntropyLoss": (
        "binary or categorical cross-entropy, optional class weights",
        "keras categorical/binary cross-entropy",
    ),
    "LovaszSoftmaxLoss": ("convex surrogate of the IoU, multi-class", "Berman et al. 2018"),
    "LovaszHingeLoss": ("convex surrogate of the IoU, binary", "Berman et al. 2018"),
    "BoundaryWeightedBCEDiceLoss": (
        "BCE weighted near object boundaries, plus Dice",
        "the widely shared boundary-weighted BCE + Dice recipe",
    ),
    "ForgiveFalseNegatives": ("wraps a loss: misses of given classes cost nothing", "-"),
    "LossTerm": ("one term of a WeightedSum, watched as a metric", "-"),
    "SSIM": ("mean SSIM over images, across batches", "Wang et al. 2004; tf.image.ssim"),
    "MSSSIM": ("mean MS-SSIM over images, across batches", "tf.image.ssim_multiscale"),
    "PSNR": ("mean PSNR over images, across batches", "tf.image.psnr"),
    "VIF": ("mean pixel-domain VIF over images, across batches", "Sheikh and Bovik 2006; torchmetrics VIF"),
    "UQI": ("mean universal image quality index over images", "Wang and Bovik 2002; torchmetrics UQI"),
    "SAM": ("mean spectral angle (radians) over images", "Yuhas et al. 1992; torchmetrics SAM"),
    "ERGAS": ("mean ERGAS (relative band RMSE) over images", "Wald 2000; torchmetrics ERGAS"),
    "GMSD": ("mean GMSD over images, across batches (lower is better)", "Xue et al. 2014; piq.gmsd"),
    "MSGMSD": ("mean MS-GMSD over images, across batches (lower is better)", "piq.multi_scale_gmsd"),
    "IoU": (
        "intersection over union per class and mean, from exact counts",
        "keras MeanIoU / tf.metrics.mean_iou",
    ),
    "Dice": ("Dice per class and mean, from exact counts", "Dice 1945 / Sorensen 1948"),
    "ThresholdedMeanIoU": (
        "binary mean IoU averaged over probability thresholds 0.5..0.95",
        "Kaggle TGS salt metric; tf.metrics.mean_iou",
    ),
    "MCCLoss": (
        "1 - Matthews correlation per class: counts true negatives too",
        "Abhishek and Hamarneh 2021; MONAI MCCLoss",
    ),
    "TopKCrossEntropyLoss": ("mean of the k% hardest pixel cross-entropies per image", "nnU-Net TopK loss"),
    "DiceCELoss": ("Dice + cross-entropy preset (nnU-Net's default recipe)", "MONAI DiceCELoss defaults"),
    "DiceFocalLoss": ("Dice + focal preset", "MONAI DiceFocalLoss defaults"),
    "SoftClDiceLoss": (
        "Dice between soft skeletons and masks: connected tubular structures",
        "Shit et al. 2021 (clDice); MONAI SoftclDiceLoss",
    ),
    "DiceClDiceLoss": ("soft Dice + soft clDice", "Shit et al. 2021; MONAI SoftDiceclDiceLoss"),
    "AsymmetricUnifiedFocalLoss": (
        "focal + focal Tversky, background suppressed: rare foreground",
        "Yeung et al. 2022; MONAI AsymmetricUnifiedFocalLoss",
    ),
    "GeneralizedWassersteinDiceLoss": (
        "Dice with a cost per confusion between classes",
        "Fidon et al. 2017; MONAI GeneralizedWassersteinDiceLoss",
    ),
    "DeepSupervision": (
        "wraps a loss for outputs at decreasing resolutions, 0.5**level weights",
        "nnU-Net deep supervision; MONAI DeepSupervisionLoss",
    ),
    "Precision": ("precision per class and mean, from exact counts", "MONAI compute_confusion_matrix_metric"),
    "Recall": (
        "recall (sensitivity) per class and mean, from exact counts",
        "MONAI compute_confusion_matrix_metric",
    ),
    "Specificity": (
        "specificity per class and mean, from exact counts",
        "MONAI compute_confusion_matrix_metric",
    ),
    "FBetaScore": (
        "F-beta per class and mean, from exact counts",
        "MONAI compute_confusion_matrix_metric (f1)",
    ),
    "MatthewsCorrelation": (
        "Matthews correlation per class and mean, from exact counts",
        "MONAI compute_confusion_matrix_metric (mcc)",
    ),
    "GeneralizedDiceScore": (
        "generalized Dice score per image, averaged over images",
        "Sudre et al. 2017; MONAI compute_generalized_dice",
    ),
    "BoundaryLoss": (
        "prediction times the signed distance to the truth's boundary (with a region loss)",
        "Kervadec et al. 2019 (MIDL)",
    ),
    "HausdorffDTLoss": (
        "squared error weighted by distance maps: targets the Hausdorff distance",
        "Karimi and Salcudean 2019; MONAI HausdorffDTLoss",
    ),
    "HausdorffDistance": (
        "mean (95th-percentile) Hausdorff distance between surfaces, per class",
        "MONAI compute_hausdorff_distance",
    ),
    "AverageSurfaceDistance": (
        "mean distance between surfaces (ASSD with symmetric=True)",
        "MONAI compute_average_surface_distance",
    ),
    "SurfaceDice": (
        "fraction of surface within a tolerance (normalised surface Dice)",
        "Nikolov et al. 2021; MONAI compute_surface_dice",
    ),
    "LocalNCCLoss": (
        "negated local squared NCC in [-1, 0]: registration of one modality",
        "Avants et al. 2008; MONAI LocalNormalizedCrossCorrelationLoss",
    ),
    "GlobalMutualInformationLoss": (
        "negated Parzen-window mutual information: multi-modal registration",
        "Mattes et al. 2003; MONAI GlobalMutualInformationLoss",
    ),
    "BendingEnergyLoss": (
        "squared second derivatives of a displacement field y_pred (y_true ignored)",
        "Rueckert et al. 1999; MONAI BendingEnergyLoss",
    ),
    "DiffusionLoss": (
        "squared first derivatives of a displacement field y_pred (y_true ignored)",
        "Balakrishnan et al. 2019 (VoxelMorph); MONAI DiffusionLoss",
    ),
}


def add_arguments(parser):
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default: table)"
    )


def _first_line(cls) -> str:
    doc = inspect.getdoc(cls) or ""
    line = doc.strip().splitlines()[0] if doc.strip() else ""
    match = re.match(r"Loss class of `(\w+)`", line)
    if match:  # a thin class: its function's docstring says what it is
        fn = getattr(imagelosses, match.group(1), None) or getattr(imagelosses.losses, match.group(1), None)
        if fn is not None and inspect.getdoc(fn):
            line = inspect.getdoc(fn).splitlines()[0]
    return line or "-"


def entries() -> list[dict]:
    aliases = {}
    for name, alias in specs.ALIASES.items():
        if not alias.cls.startswith("keras:"):
            aliases.setdefault(alias.cls, []).append(name)
    items = []
    for kind, table in (("loss", imagelosses.LOSSES), ("metric", imagelosses.METRICS)):
        for name in sorted(table):
            purpose, reference = DESCRIPTIONS.get(name, (_first_line(table[name]), "-"))
            items.append(
                dict(
                    kind=kind,
                    name=name,
                    bakeoff_names=aliases.get(name, []),
                    purpose=purpose,
                    reference=reference,
                )
            )
    return items


def run(args) -> int:
    items = entries()
    if args.format == "json":
        print(json.dumps(items, indent=2))
        return 0
    for kind in ("loss", "metric"):
        rows = [
            [i["name"], ",".join(i["bakeoff_names"]) or "-", i["purpose"], i["reference"]]
            for i in items
            if i["kind"] == kind
        ]
        print(f"{kind.upper()}ES" if kind == "loss" else "METRICS")
        print(_left_table(["name", "bakeoff name", "what it is for", "reference"], rows))
        print()
    print("Keras losses also work in `imagelosses bakeoff --losses`: mse, mae, huber, ...")
    return 0


def _left_table(header, rows) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


__all__ = ["run", "entries", "add_arguments", "text_table"]
