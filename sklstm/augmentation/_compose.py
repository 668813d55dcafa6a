"""Combining augmenters: apply several in turn, or one chosen at random."""

import numpy as np
from sklearn.base import clone

from sklstm._compat import Substitution
from sklstm.augmentation._base import FITTED_ATTRIBUTES, BaseAugmenter


def _check_augmenters(augmenters, name):
    if not augmenters:
        raise ValueError(f"{name} needs at least one augmenter.")
    for augmenter in augmenters:
        if not isinstance(augmenter, BaseAugmenter):
            raise TypeError(
                f"{name} takes sklstm augmenters; got {type(augmenter).__name__}."
            )


@Substitution(fitted_attributes=FITTED_ATTRIBUTES)
class ChainAugmenter(BaseAugmenter):
    """Apply several augmenters one after the other.

    Parameters
    ----------
    steps : list of augmenters
        Applied in order. The chain's ``random_state`` drives every step (the
        steps' own ``random_state`` is not used).
    random_state : int, RandomState instance or None, default=None
        Draws every step's randomness.

    Attributes
    ----------
    steps_ : list of augmenters
        Fitted clones of ``steps``.
    {fitted_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.augmentation import ChainAugmenter, GaussianNoise, TimeWarp
    >>> X = [np.sin(np.linspace(0, 3, 20)), np.cos(np.linspace(0, 3, 9))]
    >>> chain = ChainAugmenter([TimeWarp(), GaussianNoise()], random_state=0)
    >>> [len(x) for x in chain.fit_transform(X)]
    [20, 9]
    """

    _parameter_constraints: dict = {
        "steps": [list],
        "random_state": ["random_state"],
    }

    def __init__(self, steps, *, random_state=None):
        self.steps = steps
        self.random_state = random_state

    def _fit_padded(self, values, lengths):
        _check_augmenters(self.steps, type(self).__name__)
        self.steps_ = [clone(s).fit_padded(values, lengths) for s in self.steps]
        return super()._fit_padded(values, lengths)

    def _augment_padded(self, values, lengths, rng):
        for step in self.steps_:
            values = step.augment_padded(values, lengths, rng)
        return values


@Substitution(fitted_attributes=FITTED_ATTRIBUTES)
class RandomChoiceAugmenter(BaseAugmenter):
    """Augment each sequence with one augmenter drawn at random.

    Parameters
    ----------
    augmenters : list of augmenters
        The candidates.
    p : array-like of shape (n_augmenters,) or None, default=None
        Probability of each candidate; uniform when None.
    random_state : int, RandomState instance or None, default=None
        Draws the choices and every candidate's randomness.

    Attributes
    ----------
    augmenters_ : list of augmenters
        Fitted clones of ``augmenters``.
    {fitted_attributes}
    """

    _parameter_constraints: dict = {
        "augmenters": [list],
        "p": ["array-like", None],
        "random_state": ["random_state"],
    }

    def __init__(self, augmenters, *, p=None, random_state=None):
        self.augmenters = augmenters
        self.p = p
        self.random_state = random_state

    def _fit_padded(self, values, lengths):
        _check_augmenters(self.augmenters, type(self).__name__)
        if self.p is not None:
            p = np.asarray(self.p, dtype=float)
            if (
                p.shape != (len(self.augmenters),)
                or not np.all(np.isfinite(p))
                or np.any(p < 0)
                or p.sum() <= 0
            ):
                raise ValueError(
                    "p must hold one finite, non-negative probability per "
                    f"augmenter, not all zero; got {self.p!r}."
                )
        self.augmenters_ = [
            clone(a).fit_padded(values, lengths) for a in self.augmenters
        ]
        return super()._fit_padded(values, lengths)

    def _augment_padded(self, values, lengths, rng):
        p = None if self.p is None else np.asarray(self.p, float) / np.sum(self.p)
        choice = rng.choice(len(self.augmenters_), size=len(values), p=p)
        out = values.copy()
        for k, augmenter in enumerate(self.augmenters_):
            rows = np.flatnonzero(choice == k)
            if len(rows):
                out[rows] = augmenter.augment_padded(
                    values[rows], None if lengths is None else lengths[rows], rng
                )
        return out
