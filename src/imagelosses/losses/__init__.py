"""Losses: a pure per-sample function and a registered `keras.losses.Loss` class for each."""

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
