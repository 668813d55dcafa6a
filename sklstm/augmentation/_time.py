"""Augmenters that change timing: time warps and window slices."""

from numbers import Real

import numpy as np

from sklstm._compat import Interval, Substitution
from sklstm.augmentation._base import FITTED_ATTRIBUTES, BaseAugmenter
from sklstm.augmentation._magnitude import SmoothCurveAugmenter, smooth_curves


def resample_at(x, positions):
    """Linear interpolation of ``x`` (batch, steps, channels) at fractional
    time ``positions`` (batch, steps), each within ``[0, steps - 1]``."""
    length = x.shape[1]
    left = np.clip(np.floor(positions).astype(np.int64), 0, length - 1)
    right = np.minimum(left + 1, length - 1)
    frac = (positions - left)[:, :, None].astype(x.dtype)
    x_left = np.take_along_axis(x, left[:, :, None], axis=1)
    x_right = np.take_along_axis(x, right[:, :, None], axis=1)
    return x_left + frac * (x_right - x_left)


@Substitution(fitted_attributes=FITTED_ATTRIBUTES)
class TimeWarp(SmoothCurveAugmenter):
    """Speed each sequence up and slow it down smoothly, keeping its length.

    A smooth random speed curve (cubic spline through ``n_knots + 2`` knots
    drawn from ``N(1, sigma)``, Um et al. 2017) is integrated into a monotone
    time map from the first to the last step; the sequence is resampled along
    it by linear interpolation. All channels share one warp.

    Parameters
    ----------
    sigma : float, default=0.2
        Standard deviation of the speed knots; at most 1000.
    n_knots : int, default=4
        Interior knots of the speed curve; at most 1000.
    random_state : int, RandomState instance or None, default=None
        Draws the warps.

    Attributes
    ----------
    {fitted_attributes}
    """

    def _augment_equal(self, x, rng):
        n, length, _ = x.shape
        if length < 2:
            return x.copy()
        speed = np.maximum(smooth_curves(rng, n, length, self.sigma, self.n_knots), 0.1)
        elapsed = np.cumsum(speed, axis=1) - speed[:, :1]
        positions = elapsed / elapsed[:, -1:] * (length - 1)
        return resample_at(x, positions)


@Substitution(fitted_attributes=FITTED_ATTRIBUTES)
class WindowSlice(BaseAugmenter):
    """Crop a random window and stretch it back to the sequence's length.

    Window slicing (Le Guennec et al. 2016): a window of ``ceil(ratio * t_i)``
    steps at a random start, resampled to ``t_i`` steps by linear
    interpolation.

    Parameters
    ----------
    ratio : float, default=0.9
        Window length relative to the sequence's length.
    random_state : int, RandomState instance or None, default=None
        Draws the window starts.

    Attributes
    ----------
    {fitted_attributes}
    """

    _parameter_constraints: dict = {
        "ratio": [Interval(Real, 0, 1, closed="right")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, ratio=0.9, random_state=None):
        self.ratio = ratio
        self.random_state = random_state

    def _augment_equal(self, x, rng):
        n, length, _ = x.shape
        window = max(1, int(np.ceil(self.ratio * length)))
        starts = rng.randint(0, length - window + 1, size=n)
        positions = starts[:, None] + np.linspace(0, window - 1, length)[None, :]
        return resample_at(x, positions)
