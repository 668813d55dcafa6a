"""When training stops, and which epoch's weights a fit keeps: the best one,
or the last completed one."""

import numpy as np
import torch

from sklstm._collapse import is_collapsed


class KeptEpoch:
    """Owns "best": the kept epoch, a copy of its weights, and patience.

    With ``patience`` None (no early stopping) every completed epoch is kept.
    Otherwise an epoch is kept when its monitored value (higher is better)
    beats the kept one by more than ``tol``; a NaN value never does, nor does
    an epoch whose validation predictions collapsed onto one class
    (:func:`~sklstm._collapse.is_collapsed` of its ``guard``) once an epoch
    that did not collapse was seen. Training stops after ``patience`` epochs
    without such an improvement, but not before epoch ``earliest_stop``.
    Until an epoch completes, the starting weights are the ones kept.

    Parameters
    ----------
    module : torch.nn.Module
        Its weights at construction are the starting weights.
    first_epoch : int
        Number of the first epoch of this fit.
    patience : int or None
    tol : float
    earliest_stop : int or None
        No stop before this epoch completes (None: any epoch).
    """

    def __init__(self, module, first_epoch, patience=None, tol=0.0, earliest_stop=None):
        self.patience, self.tol = patience, tol
        self.earliest_stop = earliest_stop or first_epoch
        self.epoch = first_epoch - 1
        self.state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        self.guard = None  # what the collapse guard reads, of the kept epoch
        self._best, self._stall, self._scored = None, 0, False
        self._best_collapsed = False

    def update(self, epoch, module, monitor=None, guard=None):
        """Record a completed epoch; return True when training should stop."""
        if self.patience is not None:
            collapsed = guard is not None and is_collapsed(guard)
            if np.isnan(monitor):
                monitor = -np.inf  # a NaN score is never the best
            else:
                self._scored = True
            if self._best is None or self._best == -np.inf < monitor:
                better = True
            elif monitor == -np.inf:
                better = False
            elif collapsed != self._best_collapsed:
                better = self._best_collapsed  # a collapse never beats the rest
            else:
                better = monitor > self._best + self.tol
            if not better:
                self._stall += 1
                return self._stall >= self.patience and epoch >= self.earliest_stop
            self._best, self._stall = monitor, 0
            self._best_collapsed = collapsed
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
