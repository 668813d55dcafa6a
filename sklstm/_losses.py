"""Per-sample training objectives (cross-entropy, focal loss, logit
adjustment) and the per-sample weights (sample and class weights) that
weigh them."""

from dataclasses import dataclass
from numbers import Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils import compute_class_weight

from sklstm._compat import _check_sample_weight


@dataclass(frozen=True)
class Objective:
    """Per-sample loss; the caller weights and reduces it.

    Parameters
    ----------
    kind : {'cross_entropy', 'focal'}
        Focal loss (Lin et al. 2017) scales each sample's cross-entropy by
        ``(1 - p_t) ** focal_gamma``, ``p_t`` the probability of its true class;
        ``focal_gamma=0`` is plain cross-entropy.
    focal_gamma : float
    label_smoothing : float
        As in :func:`torch.nn.functional.cross_entropy`.
    logit_offset : ndarray of shape (n_classes,) or None
        Added to the logits inside the loss only (logit adjustment, Menon et
        al. 2021: ``tau * log(prior)``); predictions use the raw logits.
    """

    kind: str = "cross_entropy"
    focal_gamma: float = 2.0
    label_smoothing: float = 0.0
    logit_offset: np.ndarray | None = None

    @property
    def is_cross_entropy(self):
        """Whether each sample's loss is its plain cross-entropy."""
        return (
            self.kind == "cross_entropy"
            and self.label_smoothing == 0
            and self.logit_offset is None
        )

    def __call__(self, logits, y):
        if self.logit_offset is not None:
            logits = logits + torch.as_tensor(
                self.logit_offset, dtype=logits.dtype, device=logits.device
            )
        losses = F.cross_entropy(
            logits, y, reduction="none", label_smoothing=self.label_smoothing
        )
        if self.kind == "focal":
            p_true = torch.softmax(logits, dim=1).gather(1, y[:, None])[:, 0]
            losses = (1.0 - p_true).pow(self.focal_gamma) * losses
        return losses


def prior_frequencies(y, n_classes):
    """Class frequencies of encoded labels ``y``, each count taken as at least
    1: the prior of logit adjustment."""
    counts = np.maximum(np.bincount(y, minlength=n_classes), 1)
    return counts / counts.sum()


def log_prior_offset(y, n_classes, tau):
    """``tau * log(class frequency)`` (:func:`prior_frequencies`)."""
    return tau * np.log(prior_frequencies(y, n_classes))


def loss_weights(y_encoded, classes, class_weight, sample_weight, values):
    """Per-sample loss weights (``sample_weight`` times ``class_weight``, as
    the estimator takes them) of encoded labels ``y_encoded``, or None when
    neither is given. ``values``: the samples (for the weights' length)."""
    weights = None
    if sample_weight is not None:
        weights = _check_sample_weight(sample_weight, values, ensure_non_negative=True)
    if class_weight is not None:
        n_classes = len(classes)
        if class_weight == "balanced":
            counts = np.bincount(y_encoded, minlength=n_classes)
            present = counts > 0
            per_class = np.zeros(n_classes)
            per_class[present] = len(y_encoded) / (present.sum() * counts[present])
        else:
            for label, weight in class_weight.items():
                if not (isinstance(weight, Real) and 0 <= weight < np.inf):
                    raise ValueError(
                        f"class_weight[{label!r}] = {weight!r}: class weights "
                        "must be finite and non-negative."
                    )
            per_class = compute_class_weight(
                class_weight, classes=classes, y=classes[y_encoded]
            )
        per_class = per_class[y_encoded]
        weights = per_class if weights is None else weights * per_class
    if weights is not None and not weights.sum() > 0:
        raise ValueError(
            "The sample weights (times the class weights) sum to zero; at "
            "least one sample needs a positive weight."
        )
    return weights


def normalized_weights(weights, rows):
    """Loss weights scaled to a mean of 1 over ``rows`` (None stays None)."""
    if weights is None:
        return None
    mean = weights[rows].mean()
    if mean <= 0:
        raise ValueError("Every training sample has a loss weight of zero.")
    return (weights / mean).astype(np.float32)
