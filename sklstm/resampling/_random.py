"""Random over- and under-sampling of whole sequences."""

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.under_sampling.base import BaseUnderSampler
from sklearn.utils import check_random_state

from sklstm._compat import Substitution
from sklstm.resampling._base import SequenceSamplerMixin


@Substitution(sampling_strategy=BaseOverSampler._sampling_strategy_docstring)
class SequenceRandomOverSampler(SequenceSamplerMixin, BaseOverSampler):
    """Oversample minority classes by repeating whole sequences at random.

    The sequence counterpart of imbalanced-learn's ``RandomOverSampler``:
    accepts 3-D arrays ``(n_samples, n_timesteps, n_features)``, 2-D arrays of
    univariate sequences and lists of variable-length sequences.

    Parameters
    ----------
    {sampling_strategy}
    random_state : int, RandomState instance or None, default=None
        Draws the repeated sequences.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{{label: number of sequences to add}}``.
    sample_indices_ : ndarray of shape (n_new_samples,)
        Row of the input behind each output sequence.
    n_features_in_ : int
        Time steps of fixed-length input (not set for variable-length input).

    See Also
    --------
    SequenceRandomUnderSampler : Drop majority sequences instead.
    AugmentationSampler : Add augmented variants instead of copies.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.resampling import SequenceRandomOverSampler
    >>> X = np.arange(24.0).reshape(6, 2, 2)
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> X_res, y_res = SequenceRandomOverSampler(random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((8, 2, 2), [4, 4])
    """

    _accept_sparse = True
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "random_state": ["random_state"],
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        indices = [np.arange(len(y))]
        for label, n_new in self.sampling_strategy_.items():
            members = np.flatnonzero(y == label)
            indices.append(rng.choice(members, size=n_new, replace=True))
        self.sample_indices_ = np.concatenate(indices)
        return X[self.sample_indices_], y[self.sample_indices_]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.sampler_tags.sample_indices = True
        return tags


@Substitution(sampling_strategy=BaseUnderSampler._sampling_strategy_docstring)
class SequenceRandomUnderSampler(SequenceSamplerMixin, BaseUnderSampler):
    """Undersample classes by dropping whole sequences at random.

    The sequence counterpart of imbalanced-learn's ``RandomUnderSampler``.

    Parameters
    ----------
    {sampling_strategy}
    random_state : int, RandomState instance or None, default=None
        Draws the kept sequences.
    replacement : bool, default=False
        Draw the kept sequences with replacement.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{{label: number of sequences to keep}}``.
    sample_indices_ : ndarray of shape (n_new_samples,)
        Row of the input behind each output sequence.
    n_features_in_ : int
        Time steps of fixed-length input (not set for variable-length input).

    See Also
    --------
    SequenceRandomOverSampler : Repeat minority sequences instead.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.resampling import SequenceRandomUnderSampler
    >>> X = [np.ones(3), np.ones(5), np.ones(2), np.ones(4)]
    >>> y = [0, 0, 0, 1]
    >>> X_res, y_res = SequenceRandomUnderSampler(random_state=0).fit_resample(X, y)
    >>> [len(x) for x in X_res], y_res
    ([2, 4], [0, 1])
    """

    _accept_sparse = True
    _parameter_constraints: dict = {
        **BaseUnderSampler._parameter_constraints,
        "replacement": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self, *, sampling_strategy="auto", random_state=None, replacement=False
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.replacement = replacement

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        indices = []
        for label in np.unique(y):
            members = np.flatnonzero(y == label)
            if label in self.sampling_strategy_:
                n_keep = self.sampling_strategy_[label]
                members = members[
                    rng.choice(len(members), size=n_keep, replace=self.replacement)
                ]
            indices.append(members)
        self.sample_indices_ = np.concatenate(indices)
        return X[self.sample_indices_], y[self.sample_indices_]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.sampler_tags.sample_indices = True
        return tags
