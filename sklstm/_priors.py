"""Class priors: the one a cured model's probabilities assume, and the one
``prior_correction`` moves them to."""

from numbers import Real

import numpy as np

from sklstm._labels import plain
from sklstm._losses import prior_frequencies


def effective_prior(y, weights, n_classes, *, balanced, logit_adjustment):
    """The class prior that a model's raw probabilities are calibrated to.

    Each class weighs in the loss with its rows' total loss weight (sample
    weight times class weight), or, with ``balanced`` batches (every class
    drawn equally often), with its rows' mean weight. Logit adjustment trains
    ``logits + tau * log(class frequency)``, so the raw logits assume that
    prior divided by ``frequency ** tau``.

    Parameters
    ----------
    y : ndarray of int
        Class indices of the training rows.
    weights : ndarray or None
        Their loss weights (None: all equal).
    n_classes : int
    balanced : bool
    logit_adjustment : float

    Returns
    -------
    prior : ndarray of shape (n_classes,)
        Sums to one; zero for classes without training rows.
    """
    counts = np.bincount(y, minlength=n_classes).astype(float)
    mass = np.bincount(y, weights=weights, minlength=n_classes).astype(float)
    if balanced:
        mass = np.divide(mass, counts, out=np.zeros(n_classes), where=counts > 0)
    if logit_adjustment:
        mass = mass / prior_frequencies(y, n_classes) ** logit_adjustment
    return mass / mass.sum()


def target_prior(prior_correction, classes, y):
    """The prior ``predict_proba`` is corrected to, or None for no correction.

    ``True``: the class frequencies of ``y`` (encoded labels of the training
    data); a dict: ``{label: prior}`` over every class, normalised.
    """
    if not isinstance(prior_correction, dict):
        if not prior_correction:
            return None
        counts = np.bincount(y, minlength=len(classes)).astype(float)
        return counts / counts.sum()
    labels = [plain(label) for label in classes]
    missing = [label for label in labels if label not in prior_correction]
    unknown = [key for key in prior_correction if key not in labels]
    if missing or unknown:
        raise ValueError(
            f"prior_correction must give a prior for every class {labels!r}; "
            f"missing {missing!r}, unknown {unknown!r}."
        )
    prior = np.array([prior_correction[label] for label in labels], dtype=object)
    if (
        not all(
            isinstance(p, Real) and not isinstance(p, bool) and 0 <= p < np.inf
            for p in prior
        )
        or not sum(prior) > 0
    ):
        raise ValueError(
            "prior_correction's priors must be finite, non-negative numbers, not "
            f"all zero; got {prior_correction!r}."
        )
    prior = prior.astype(float)
    return prior / prior.sum()


def fitted_prior(proba, y, start, *, tol=1e-3, max_iter=200):
    """The prior that ``proba``, a model's uncorrected probabilities of its own
    training rows, assume: :func:`effective_prior` (``start``) refined until
    the mean corrected probability of each class matches its frequency in
    ``y``.

    The analytic prior holds for a network that fits the weighted objective
    exactly; a real one (early-stopped, regularised, too small for the task)
    lands between it and the class frequencies. Each step multiplies a class's
    prior by its mean corrected probability over its frequency, until they
    agree within ``tol`` (a fixed point, as in Saerens et al. 2002, with
    the frequencies known). A network that fits its training rows exactly
    already matches at ``start`` and keeps it. Classes without rows in ``y``
    keep a prior of 0 (see :func:`prior_ratio`).
    """
    frequency = np.bincount(y, minlength=proba.shape[1]) / len(y)
    present = frequency > 0
    prior = np.where(present, start, 0.0)
    prior = prior / prior.sum()
    for _ in range(max_iter):
        mean = correct(proba, prior, frequency).mean(axis=0)[present]
        mean = mean / mean.sum()
        if np.max(np.abs(mean - frequency[present])) <= tol:
            break
        prior[present] *= mean / frequency[present]
        prior /= prior.sum()
    return prior


def prior_ratio(effective, target):
    """What Bayes' rule multiplies each class's probability by to move it from
    the ``effective`` prior to the ``target`` one: ``target / effective``. A
    class without training rows (effective prior 0) gets 0 where the target
    gives it no mass either, else 1 (its probability is left as it is)."""
    absent = np.where(target > 0, 1.0, 0.0)
    return np.divide(target, effective, out=absent, where=effective > 0)


def correct(proba, effective, target):
    """Move probabilities from the ``effective`` prior to the ``target`` one:
    ``proba * prior_ratio(effective, target)``, renormalised per row."""
    corrected = proba * prior_ratio(effective, target)
    return corrected / corrected.sum(axis=1, keepdims=True)
