"""When training stops, and which epoch's weights a fit keeps: the best one,
or the last completed one."""

import numpy as np
import torch


class KeptEpoch:
    """Owns "best": the kept epoch, a copy of its weights, and patience.

    With ``patience`` None (no early stopping) every completed epoch is kept.
    Otherwise an epoch is kept when its monitored value (higher is better)
    beats the kept one by more than ``tol``, a NaN value never does, and
    training stops after ``patience`` epochs without such an improvement.
    Until an epoch completes, the starting weights are the ones kept.

    Parameters
    ----------
    module : torch.nn.Module
        Its weights at construction are the starting weights.
    first_epoch : int
        Number of the first epoch of this fit.
    patience : int or None
    tol : float
    """

    def __init__(self, module, first_epoch, patience=None, tol=0.0):
        self.patience, self.tol = patience, tol
        self.epoch = first_epoch - 1
        self.state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        self.guard = None  # what the collapse guard reads, of the kept epoch
        self._best, self._stall, self._scored = None, 0, False

    def update(self, epoch, module, monitor=None, guard=None):
        """Record a completed epoch; return True when training should stop."""
        if self.patience is not None:
            if np.isnan(monitor):
                monitor = -np.inf  # a NaN score is never the best
            else:
                self._scored = True
            if self._best is not None and not monitor > self._best + self.tol:
                self._stall += 1
                return self._stall >= self.patience
            self._best, self._stall = monitor, 0
        self.epoch, self.guard = epoch, guard
        with torch.no_grad():
            for key, value in module.state_dict().items():
                self.state[key].copy_(value)
        return False

    @property
    def unscored(self):
        """Early stopping saw epochs, and NaN as every one's score."""
        return self._best is not None and not self._scored

    def restore(self, module):
        """Load the kept weights into ``module``."""
        module.load_state_dict(self.state)


class Convergence:
    """Says when a fit has converged: the training cross-entropy of
    ``patience`` consecutive epochs below ``level`` (``None``: never).

    The training series are then fitted, and further steps of the budget
    change the network little (measured in benchmarks/results/cost_search.md).
    """

    def __init__(self, level, patience):
        self.level, self.patience, self._run = level, patience, 0

    def update(self, cross_entropy):
        """Record an epoch's training cross-entropy; True: stop."""
        if self.level is None:
            return False
        self._run = self._run + 1 if cross_entropy < self.level else 0
        return self._run >= self.patience
