"""Oversampling with augmented variants of real minority sequences."""

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.base import clone
from sklearn.utils import check_random_state

from sklstm._compat import HasMethods, Substitution
from sklstm._sequences import FLOAT_DTYPES, Sequences, is_ragged, nested_rows
from sklstm.augmentation._base import check_augmented
from sklstm.resampling._base import SequenceSamplerMixin, like_input, to_sequences


@Substitution(sampling_strategy=BaseOverSampler._sampling_strategy_docstring)
class AugmentationSampler(SequenceSamplerMixin, BaseOverSampler):
    """Oversample minority classes with augmented copies of their sequences.

    For each class to oversample, real sequences of that class are drawn at
    random (with replacement) and passed through ``augmenter``, so the added
    sequences are plausible variants rather than exact copies. Works on
    fixed-length and variable-length sequences; lengths are kept.

    Parameters
    ----------
    augmenter : sklstm augmenter
        E.g. ``GaussianNoise()``, ``TimeWarp()`` or a ``ChainAugmenter``.
        Cloned and fitted on the sequences passed to ``fit_resample``.
    {sampling_strategy}
    random_state : int, RandomState instance or None, default=None
        Draws the base sequences and the augmentation.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{{label: number of sequences to add}}``.
    augmenter_ : augmenter
        The fitted clone of ``augmenter``.
    n_features_in_ : int
        Time steps of fixed-length input (not set for variable-length input).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.augmentation import GaussianNoise
    >>> from sklstm.resampling import AugmentationSampler
    >>> X = [np.arange(5.0), np.arange(3.0), np.arange(4.0)]
    >>> sampler = AugmentationSampler(GaussianNoise(), random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, [0, 0, 1])
    >>> [len(x) for x in X_res], y_res
    ([5, 3, 4, 4], [0, 0, 1, 1])
    """

    _dtype = FLOAT_DTYPES
    _ensure_all_finite = True
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "augmenter": [HasMethods(["fit_padded", "augment_padded"])],
        "random_state": ["random_state"],
    }

    def __init__(self, augmenter, *, sampling_strategy="auto", random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.augmenter = augmenter
        self.random_state = random_state

    def _check_X_y(self, X, y, accept_sparse=None):
        X = nested_rows(X)
        if _holds_integers(X):
            raise ValueError(
                "AugmentationSampler augments real values; X holds integers, "
                "such as the token ids of TextSequencer, which augmentation would "
                "turn into noise. For integer-valued series (counts), pass "
                "X.astype(float)."
            )
        return super()._check_X_y(X, y, accept_sparse)

    def _fit_resample(self, X, y):
        if not self.sampling_strategy_:
            raise ValueError(
                f"sampling_strategy={self.sampling_strategy!r} names no class "
                "to oversample (sampling_strategy_ = {}); it must give "
                "{label: number of sequences to add} for at least one class."
            )
        rng = check_random_state(self.random_state)
        sequences = to_sequences(X)
        self.augmenter_ = clone(self.augmenter)
        self.augmenter_.fit_padded(sequences.values, sequences.lengths)
        chosen = [np.arange(len(y))]
        for label, n_new in self.sampling_strategy_.items():
            chosen.append(rng.choice(np.flatnonzero(y == label), size=n_new))
        base = np.concatenate(chosen[1:]).astype(np.int64)
        originals = sequences.values[base]
        augmented = self.augmenter_.augment_padded(
            originals, sequences.lengths[base], rng
        )
        check_augmented(self.augmenter_, originals, augmented)
        values = np.concatenate([sequences.values, augmented])
        lengths = np.concatenate([sequences.lengths, sequences.lengths[base]])
        return like_input(Sequences(values, lengths), X), y[np.concatenate(chosen)]


def _holds_integers(X):
    """Whether ``X`` (an array, or a list of sequences) holds integer values."""
    if is_ragged(X) or isinstance(X, (list, tuple)):
        kinds = {np.asarray(x).dtype.kind for x in X}
    else:
        kinds = {(X.dtype if hasattr(X, "dtype") else np.asarray(X).dtype).kind}
    return bool(kinds) and kinds <= set("iu")
