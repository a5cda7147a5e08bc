"""imagelosses: differentiable image losses and metrics for Keras 3.

One code base in `keras.ops`: the TensorFlow, JAX and PyTorch backends, 2D images, 3D volumes and
image sequences, channels_last and channels_first.

Layouts. Every function takes `data_format` (default `keras.config.image_data_format()`) and
`spatial_dims` (default from the rank):

| input rank | `spatial_dims` | channels_last        | channels_first       | per-sample result |
|------------|----------------|----------------------|----------------------|-------------------|
| 4          | 2 (default)    | `(B, H, W, C)`       | `(B, C, H, W)`       | `(B,)`            |
| 5          | 3 (default)    | `(B, D, H, W, C)`    | `(B, C, D, H, W)`    | `(B,)`            |
| 5          | 2              | `(B, T, H, W, C)`    | `(B, T, C, H, W)`    | `(B, T)`          |

A rank-5 input with `spatial_dims=2` is a sequence of images (video, ConvLSTM outputs, whose
channels-first layout is `(B, T, C, H, W)`): the time axis is a second sample axis and results
come back per frame. Nothing reads a tensor value or the batch size, so every function works with
a `None` batch size and under `jit_compile=True`. Inputs of any real dtype are computed in
float32 and results are float32.
"""

from imagelosses import filters, layers, losses, metrics, structural
from imagelosses._registry import LAYERS, LOSSES, METRICS
from imagelosses.filters import gaussian_blur, gradient_magnitude, laplacian, sobel
from imagelosses.filters.distance import distance_transform
from imagelosses.losses import (
    GradientDifferenceLoss,
    LaplacianLoss,
    SobelLoss,
    WeightedSum,
    gradient_difference_loss,
    laplacian_loss,
    sobel_loss,
)
from imagelosses.losses.boundary import BoundaryWeightedBCEDiceLoss, boundary_weighted_bce_dice_loss
from imagelosses.losses.focal import CrossEntropyLoss, FocalLoss, cross_entropy_loss, focal_loss
from imagelosses.losses.forgive import ForgiveFalseNegatives, forgive_false_negatives
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
from imagelosses.metrics.surface import average_surface_distance, hausdorff_distance, surface_dice
from imagelosses.structural import ms_ssim, psnr, ssim, ssim_map

__version__ = "0.2.0"

__all__ = [
    "CharbonnierLoss",
    "MSSSIML1Loss",
    "MSSSIMLoss",
    "PSNRLoss",
    "SSIMLoss",
    "TotalVariationLoss",
    "charbonnier_loss",
    "gaussian_blur",
    "metrics",
    "ms_ssim",
    "ms_ssim_l1_loss",
    "ms_ssim_loss",
    "psnr",
    "psnr_loss",
    "ssim",
    "ssim_loss",
    "ssim_map",
    "structural",
    "total_variation_loss",
    "LAYERS",
    "LOSSES",
    "METRICS",
    "GradientDifferenceLoss",
    "LaplacianLoss",
    "SobelLoss",
    "WeightedSum",
    "filters",
    "gradient_difference_loss",
    "gradient_magnitude",
    "laplacian",
    "laplacian_loss",
    "layers",
    "losses",
    "sobel",
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
    "generalized_dice_loss",
    "jaccard_loss",
    "lovasz_hinge_loss",
    "lovasz_softmax_loss",
    "tversky_loss",
    # surface distances
    "average_surface_distance",
    "distance_transform",
    "hausdorff_distance",
    "surface_dice",
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
from imagelosses.structural.quality import ergas, spectral_angle_mapper, uqi, vif_p  # noqa: E402

__all__ += ["SAMLoss", "ergas", "spectral_angle_mapper", "uqi", "vif_p"]

from imagelosses.losses.gmsd import GMSDLoss, MSGMSDLoss  # noqa: E402
from imagelosses.structural.gmsd import gmsd, ms_gmsd  # noqa: E402

__all__ += ["GMSDLoss", "MSGMSDLoss", "gmsd", "ms_gmsd"]
