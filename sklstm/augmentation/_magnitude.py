"""Augmenters that change values, not timing: noise, scaling, warps, smoothing."""

from numbers import Integral, Real

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.ndimage import gaussian_filter1d

from sklstm._compat import Interval, Substitution
from sklstm.augmentation._base import FITTED_ATTRIBUTES, BaseAugmenter

# Upper bounds that keep the augmenters' working memory small.
MAX_KNOTS = 1000
MAX_CURVE_SIGMA = 1e3
MAX_SMOOTHING_SIGMA = 1e4


def smooth_curves(rng, n_curves, length, sigma, n_knots):
    """``n_curves`` smooth random curves of ``length`` steps around 1.

    A cubic spline through ``n_knots + 2`` evenly spaced knots whose values are
    drawn from ``N(1, sigma)`` (Um et al. 2017). Returns shape
    ``(n_curves, length)``.
    """
    knots = rng.normal(1.0, sigma, size=(n_knots + 2, n_curves))
    if length == 1:
        return knots[0][:, None]
    where = np.linspace(0, length - 1, n_knots + 2)
    return CubicSpline(where, knots, axis=0)(np.arange(length)).T


@Substitution(fitted_attributes=FITTED_ATTRIBUTES)
class GaussianNoise(BaseAugmenter):
    """Add Gaussian noise ("jitter") to every time step.

    Parameters
    ----------
    sigma : float, default=0.05
        Noise standard deviation, relative to each channel's standard deviation
        in the data seen by ``fit`` (``scale_``).
    random_state : int, RandomState instance or None, default=None
        Draws the noise; an int gives the same augmentation at every call.

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.augmentation import GaussianNoise
    >>> X = np.zeros((2, 5, 1)); X[1] = 10
    >>> noisy = GaussianNoise(sigma=0.1, random_state=0).fit_transform(X)
    >>> noisy.shape, bool(np.all(noisy != X))
    ((2, 5, 1), True)
    """

    _parameter_constraints: dict = {
        "sigma": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, sigma=0.05, random_state=None):
        self.sigma = sigma
        self.random_state = random_state

    def _augment_equal(self, x, rng):
        noise = rng.normal(0.0, 1.0, size=x.shape) * (self.sigma * self.scale_)
        return x + noise.astype(x.dtype)


@Substitution(fitted_attributes=FITTED_ATTRIBUTES)
class RandomScaling(BaseAugmenter):
    """Multiply each sequence's channels by random factors drawn from N(1, sigma).

    Parameters
    ----------
    sigma : float, default=0.1
        Standard deviation of the factors (relative by construction).
    random_state : int, RandomState instance or None, default=None
        Draws the factors.

    Attributes
    ----------
    {fitted_attributes}
    """

    _parameter_constraints: dict = {
        "sigma": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, sigma=0.1, random_state=None):
        self.sigma = sigma
        self.random_state = random_state

    def _augment_equal(self, x, rng):
        factors = rng.normal(1.0, self.sigma, size=(x.shape[0], 1, x.shape[2]))
        return x * factors.astype(x.dtype)


class SmoothCurveAugmenter(BaseAugmenter):
    """Shared parameters of the augmenters driven by :func:`smooth_curves`."""

    _parameter_constraints: dict = {
        # Knots drawn from N(1, sigma): beyond a few units the curves are
        # already wild, and past ~1e150 the spline's arithmetic overflows.
        "sigma": [Interval(Real, 0, MAX_CURVE_SIGMA, closed="both")],
        # Beyond a few per step, more knots only cost memory: the spline's
        # (n_knots + 2) x n_curves table.
        "n_knots": [Interval(Integral, 0, MAX_KNOTS, closed="both")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, sigma=0.2, n_knots=4, random_state=None):
        self.sigma = sigma
        self.n_knots = n_knots
        self.random_state = random_state


@Substitution(fitted_attributes=FITTED_ATTRIBUTES)
class MagnitudeWarp(SmoothCurveAugmenter):
    """Multiply each channel by a smooth random curve around 1.

    The curve is a cubic spline through ``n_knots + 2`` evenly spaced knots
    drawn from ``N(1, sigma)`` (Um et al. 2017), drawn anew per sequence and
    channel.

    Parameters
    ----------
    sigma : float, default=0.2
        Standard deviation of the knots; at most 1000.
    n_knots : int, default=4
        Interior knots: more knots, faster changes; at most 1000.
    random_state : int, RandomState instance or None, default=None
        Draws the curves.

    Attributes
    ----------
    {fitted_attributes}
    """

    def _augment_equal(self, x, rng):
        n, length, channels = x.shape
        curves = smooth_curves(rng, n * channels, length, self.sigma, self.n_knots)
        curves = curves.reshape(n, channels, length).transpose(0, 2, 1)
        return x * curves.astype(x.dtype)


@Substitution(fitted_attributes=FITTED_ATTRIBUTES)
class GaussianSmoothing(BaseAugmenter):
    """Smooth each sequence along time with a Gaussian kernel.

    Gives the same result as ``scipy.ndimage.gaussian_filter1d(x, sigma,
    axis=0)`` on each sequence ``x`` of shape ``(t_i, n_features)``, over its
    real steps only. Deterministic.

    Parameters
    ----------
    sigma : float, default=1.0
        Kernel standard deviation, in time steps; in (0, 10000].

    Attributes
    ----------
    {fitted_attributes}
    """

    _parameter_constraints: dict = {
        # The kernel has 8 * sigma + 1 taps; sigma = 1e4 already averages
        # tens of thousands of steps.
        "sigma": [Interval(Real, 0, MAX_SMOOTHING_SIGMA, closed="right")],
    }

    def __init__(self, *, sigma=1.0):
        self.sigma = sigma

    def _augment_equal(self, x, rng):
        return gaussian_filter1d(x, self.sigma, axis=1)
