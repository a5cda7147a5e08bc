"""`soft_label=True` on the region losses: MONAI 1.6's soft-label counts, unchanged on hard labels,
and the minimum at `p = t` for soft targets."""

import numpy as np
import pytest

import imagelosses as il
from tests.conftest import assert_close, to_numpy

REGION = {
    "dice": il.dice_loss,
    "jaccard": il.jaccard_loss,
    "tversky": il.tversky_loss,
    "focal_tversky": il.focal_tversky_loss,
    "generalized_dice": il.generalized_dice_loss,
}


def _torch(x):
    import torch

    return torch.tensor(np.moveaxis(x, -1, 1), dtype=torch.float64)


@pytest.fixture
def soft(rng):
    """Soft targets (rows of a softmax) and probabilities, 3 classes, 2x8x8."""

    def softmax(z):
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    return softmax(rng.normal(0, 1.0, (2, 8, 8, 3))), softmax(rng.normal(0, 1.5, (2, 8, 8, 3)))


def test_dice_jaccard_tversky_generalized_match_monai_soft_label(soft):
    losses = pytest.importorskip("monai.losses")
    t, p = soft
    pt, tt = _torch(p), _torch(t)
    common = dict(reduction="none", soft_label=True)
    dice = losses.DiceLoss(smooth_nr=0.1, smooth_dr=0.1, **common)(pt, tt).numpy()
    assert_close(il.dice_loss(t, p, smooth=0.1, soft_label=True), dice.reshape(2, -1).mean(1))
    jac = losses.DiceLoss(jaccard=True, smooth_nr=0.1, smooth_dr=0.1, **common)(pt, tt).numpy()
    assert_close(il.jaccard_loss(t, p, smooth=0.05, soft_label=True), jac.reshape(2, -1).mean(1))
    tv = losses.TverskyLoss(alpha=0.3, beta=0.7, **common)(pt, tt).numpy()
    assert_close(
        il.tversky_loss(t, p, alpha=0.3, beta=0.7, smooth=1e-5, soft_label=True), tv.reshape(2, -1).mean(1)
    )
    gd = losses.GeneralizedDiceLoss(**common)(pt, tt).numpy()
    assert_close(il.generalized_dice_loss(t, p, soft_label=True), gd.reshape(-1), rtol=1e-4)


def test_focal_tversky_soft_label_matches_float64_counts(soft):
    t, p = soft
    tp = (p.sum((1, 2)) + t.sum((1, 2)) - np.abs(p - t).sum((1, 2))) / 2
    fp, fn = p.sum((1, 2)) - tp, t.sum((1, 2)) - tp
    expected = ((1 - (tp + 1) / (tp + 0.3 * fp + 0.7 * fn + 1)) ** 0.75).mean(-1)
    assert_close(il.focal_tversky_loss(t, p, soft_label=True), expected)


@pytest.mark.parametrize("name", sorted(REGION))
def test_soft_label_changes_nothing_on_hard_labels(name, rng):
    labels = rng.integers(0, 3, (2, 8, 8, 1)).astype(np.float64)
    logits = rng.normal(0, 2.0, (2, 8, 8, 3))
    fn = REGION[name]
    hard = fn(labels, logits, from_logits=True)
    assert_close(fn(labels, logits, from_logits=True, soft_label=True), to_numpy(hard), atol=2e-6)


@pytest.mark.parametrize("name", sorted(REGION))
def test_soft_target_minimum_is_at_p_equals_t(name, soft):
    t, p = soft
    fn = REGION[name]
    at_target = to_numpy(fn(t, t, soft_label=True))
    assert_close(at_target, np.zeros(2), atol=1e-6)
    for q in (p, 0.5 * (p + t), np.eye(3)[np.argmax(t, -1)]):  # elsewhere, hardened included
        assert np.all(to_numpy(fn(t, q, soft_label=True)) > at_target + 1e-4)


def test_the_defect_soft_label_fixes():
    t = np.full((1, 4, 4, 1), 0.5)
    assert_close(il.dice_loss(t, t, smooth=0.0), [0.5])  # hard-label counts: not 0 at p = t
    assert_close(il.dice_loss(t, np.ones_like(t), smooth=0.0), [1 / 3])  # and lower at p = 1
    assert_close(il.dice_loss(t, t, smooth=0.0, soft_label=True), [0.0])
    assert_close(il.dice_loss(t, np.ones_like(t), smooth=0.0, soft_label=True), [1 / 3])


def test_soft_label_with_void_pixels_ignores_them(rng):
    labels = rng.integers(0, 3, (1, 8, 8, 1)).astype(np.float64)
    labels[0, 4:] = 255
    logits = rng.normal(0, 2.0, (1, 8, 8, 3))
    kept = il.dice_loss(labels[:, :4], logits[:, :4], from_logits=True, soft_label=True)
    assert_close(
        il.dice_loss(labels, logits, from_logits=True, soft_label=True, ignore_class=255), to_numpy(kept)
    )
