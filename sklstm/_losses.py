"""Per-sample training objectives: cross-entropy, focal loss, logit adjustment."""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


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
