"""Losses: a pure per-sample function and a registered `keras.losses.Loss` class for each.

Segmentation inputs (channels_last shown; channels_first and sequences as in the layout table of
`imagelosses`):

- `y_pred`: `(B, *spatial, K)` probabilities, or logits with `from_logits=True` (softmax over the
  channel axis for K >= 2, sigmoid for K = 1, the binary case).
- `y_true`: an integer class map `(B, *spatial, 1)` or `(B, *spatial)` (K >= 2), one-hot or soft
  labels `(B, *spatial, K)`, or for K = 1 the foreground label (0/1, soft values allowed).

`ignore_class` (an int or a list of ints, Keras's name) marks void pixels. They are found from the
labels alone and masked *before* one-hot encoding: their label becomes 0 and their one-hot row is
zeroed, their prediction is replaced by a constant with `where` (so neither the value nor the
gradient depends on it, and a NaN there cannot leak), and every sum is multiplied by the `valid`
mask. With one-hot/soft labels, `ignore_class` names channels: a pixel is void where its label
weight on those channels is >= 0.5. A class in [0, K) that is ignored is also left out of every
class average.

`class_weights`, one rule for every loss: one non-negative number per class, and for a
one-channel (sigmoid, K = 1) `y_pred`, whose two classes are background and foreground, two
numbers `[background, foreground]`: the pixel losses (cross-entropy, focal) weigh both terms, the
region losses (Dice, Jaccard, Tversky, Lovasz, ...) score the foreground alone and use its entry.

Out-of-range labels: when `y_true` is concrete (eager calls, `run_eagerly=True`, the torch backend
without `torch.compile`), integer labels outside [0, K) that are not ignored, non-integer class
ids, and one-hot/binary labels outside [0, 1] (a 0-255 mask where 0-1 was expected) raise a
ValueError. This check reads the labels on the host. Under jit (`tf.function`, `jax.jit`,
`torch.compile`) the labels cannot be read: the losses then make every prediction and target
of a sample NaN when one of its labels breaks the same rule, so the value of that sample (of the
batch with `per_image=False`) is NaN, which `keras.callbacks.TerminateOnNaN` and every log show,
and the other samples' values are untouched. The metrics count such a pixel in no class.
Likewise, when `y_pred` is concrete and `from_logits=False`, values outside [0, 1] (logits given
as probabilities) raise a ValueError that says to use `from_logits=True`.
"""

from imagelosses.losses.base import Loss, WeightedSum
from imagelosses.losses.boundary import (
    BoundaryWeightedBCEDiceLoss,
    boundary_weighted_bce_dice_loss,
)
from imagelosses.losses.edges import (
    GradientDifferenceLoss,
    LaplacianLoss,
    SobelLoss,
    gradient_difference_loss,
    laplacian_loss,
    sobel_loss,
)
from imagelosses.losses.focal import (
    CrossEntropyLoss,
    FocalLoss,
    cross_entropy_loss,
    focal_loss,
)
from imagelosses.losses.forgive import (
    ForgiveFalseNegatives,
    forgive_false_negatives,
    forgiven_predictions,
)
from imagelosses.losses.lovasz import (
    LovaszHingeLoss,
    LovaszSoftmaxLoss,
    lovasz_hinge_loss,
    lovasz_softmax_loss,
)
from imagelosses.losses.overlap import (
    DiceLoss,
    FocalTverskyLoss,
    GeneralizedDiceLoss,
    JaccardLoss,
    TverskyLoss,
    dice_loss,
    focal_tversky_loss,
    generalized_dice_loss,
    jaccard_loss,
    tversky_loss,
)
from imagelosses.losses.structural import (
    CharbonnierLoss,
    MSSSIML1Loss,
    MSSSIMLoss,
    PSNRLoss,
    SSIMLoss,
    TotalVariationLoss,
    charbonnier_loss,
    ms_ssim_l1_loss,
    ms_ssim_loss,
    psnr_loss,
    ssim_loss,
    total_variation_loss,
)

__all__ = [
    "CharbonnierLoss",
    "MSSSIML1Loss",
    "MSSSIMLoss",
    "PSNRLoss",
    "SSIMLoss",
    "TotalVariationLoss",
    "charbonnier_loss",
    "ms_ssim_l1_loss",
    "ms_ssim_loss",
    "psnr_loss",
    "ssim_loss",
    "total_variation_loss",
    "GradientDifferenceLoss",
    "LaplacianLoss",
    "Loss",
    "SobelLoss",
    "WeightedSum",
    "gradient_difference_loss",
    "laplacian_loss",
    "sobel_loss",
    # segmentation
    "BoundaryWeightedBCEDiceLoss",
    "CrossEntropyLoss",
    "DiceLoss",
    "FocalLoss",
    "FocalTverskyLoss",
    "ForgiveFalseNegatives",
    "GeneralizedDiceLoss",
    "JaccardLoss",
    "LovaszHingeLoss",
    "LovaszSoftmaxLoss",
    "TverskyLoss",
    "boundary_weighted_bce_dice_loss",
    "cross_entropy_loss",
    "dice_loss",
    "focal_loss",
    "focal_tversky_loss",
    "forgive_false_negatives",
    "forgiven_predictions",
    "generalized_dice_loss",
    "jaccard_loss",
    "lovasz_hinge_loss",
    "lovasz_softmax_loss",
    "tversky_loss",
]

from imagelosses.losses.mcc import MCCLoss, mcc_loss  # noqa: E402
from imagelosses.losses.recipes import (  # noqa: E402
    DiceCELoss,
    DiceFocalLoss,
    TopKCrossEntropyLoss,
    dice_ce_loss,
    dice_focal_loss,
    top_k_cross_entropy_loss,
)

__all__ += [
    "DiceCELoss",
    "DiceFocalLoss",
    "MCCLoss",
    "TopKCrossEntropyLoss",
    "dice_ce_loss",
    "dice_focal_loss",
    "mcc_loss",
    "top_k_cross_entropy_loss",
]

from imagelosses.losses.deep_supervision import DeepSupervision  # noqa: E402
from imagelosses.losses.topology import (  # noqa: E402
    DiceClDiceLoss,
    SoftClDiceLoss,
    dice_cldice_loss,
    soft_cldice_loss,
)
from imagelosses.losses.unified_focal import (  # noqa: E402
    AsymmetricUnifiedFocalLoss,
    asymmetric_unified_focal_loss,
)
from imagelosses.losses.wasserstein import (  # noqa: E402
    GeneralizedWassersteinDiceLoss,
    generalized_wasserstein_dice_loss,
)

__all__ += [
    "AsymmetricUnifiedFocalLoss",
    "DeepSupervision",
    "DiceClDiceLoss",
    "GeneralizedWassersteinDiceLoss",
    "SoftClDiceLoss",
    "asymmetric_unified_focal_loss",
    "dice_cldice_loss",
    "generalized_wasserstein_dice_loss",
    "soft_cldice_loss",
]

from imagelosses.losses.distance import (  # noqa: E402
    BoundaryLoss,
    HausdorffDTLoss,
    boundary_loss,
    hausdorff_dt_loss,
)

__all__ += ["BoundaryLoss", "HausdorffDTLoss", "boundary_loss", "hausdorff_dt_loss"]

from imagelosses.losses.frequency import FocalFrequencyLoss, focal_frequency_loss  # noqa: E402
from imagelosses.losses.robust import (  # noqa: E402
    BarronLoss,
    CauchyLoss,
    GemanMcClureLoss,
    WelschLoss,
    barron_loss,
    cauchy_loss,
    geman_mcclure_loss,
    welsch_loss,
)

__all__ += [
    "BarronLoss",
    "CauchyLoss",
    "FocalFrequencyLoss",
    "GemanMcClureLoss",
    "WelschLoss",
    "barron_loss",
    "cauchy_loss",
    "focal_frequency_loss",
    "geman_mcclure_loss",
    "welsch_loss",
]

from imagelosses.losses.registration import (  # noqa: E402
    BendingEnergyLoss,
    DiffusionLoss,
    GlobalMutualInformationLoss,
    LocalNCCLoss,
    bending_energy,
    bending_energy_loss,
    diffusion_energy,
    diffusion_loss,
    global_mutual_information_loss,
    local_ncc_loss,
)

__all__ += [
    "BendingEnergyLoss",
    "DiffusionLoss",
    "GlobalMutualInformationLoss",
    "LocalNCCLoss",
    "bending_energy",
    "bending_energy_loss",
    "diffusion_energy",
    "diffusion_loss",
    "global_mutual_information_loss",
    "local_ncc_loss",
]

from imagelosses.losses.quality import SAMLoss  # noqa: E402

__all__ += ["SAMLoss"]

from imagelosses.losses.gmsd import GMSDLoss, MSGMSDLoss  # noqa: E402

__all__ += ["GMSDLoss", "MSGMSDLoss"]
