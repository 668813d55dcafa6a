"""SMOTE for whole sequences."""

from numbers import Integral

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from sklstm._compat import Interval, Substitution
from sklstm._labels import plain
from sklstm._sequences import FLOAT_DTYPES
from sklstm._warnings import warn
from sklstm.resampling._base import SequenceSamplerMixin


@Substitution(sampling_strategy=BaseOverSampler._sampling_strategy_docstring)
class SequenceSMOTE(SequenceSamplerMixin, BaseOverSampler):
    """SMOTE on whole sequences: interpolate between same-class neighbors.

    Each new minority sequence is ``x + u * (x_nn - x)``, ``u ~ U(0, 1)``, where
    ``x`` is a random sequence of the class and ``x_nn`` one of its
    ``k_neighbors`` nearest sequences of the same class, by Euclidean distance
    over the whole multichannel sequence (Chawla et al. 2002). Sequences must
    share one length; variable-length input raises a ``ValueError``.

    A class with fewer than ``k_neighbors + 1`` sequences uses all its other
    sequences as neighbors (``k`` reduced, with a warning); a class with a
    single sequence cannot be interpolated and raises a ``ValueError``.

    Parameters
    ----------
    {sampling_strategy}
    k_neighbors : int, default=5
        Neighbours to interpolate towards.
    random_state : int, RandomState instance or None, default=None
        Draws the base sequences, neighbors and gaps.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{{label: number of sequences to add}}``.
    n_features_in_ : int
        Time steps of the input.

    See Also
    --------
    FlattenedSampler : Any imbalanced-learn sampler (SMOTE variants included)
        on flattened sequences.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.resampling import SequenceSMOTE
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(30, 8, 2)), np.array([0] * 24 + [1] * 6)
    >>> X_res, y_res = SequenceSMOTE(random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((48, 8, 2), [24, 24])
    """

    _accepts_ragged = False
    _dtype = FLOAT_DTYPES
    _ensure_all_finite = True
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, sampling_strategy="auto", k_neighbors=5, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        flat = X.reshape(len(X), -1)
        X_new, y_new = [X], [y]
        for label, n_new in self.sampling_strategy_.items():
            if n_new == 0:
                continue
            members = np.flatnonzero(y == label)
            if len(members) < 2:
                raise ValueError(
                    f"Class {plain(label)!r} has a single sequence; SequenceSMOTE "
                    "needs at least 2 to interpolate. Use SequenceRandomOverSampler "
                    "or AugmentationSampler for it."
                )
            k = min(self.k_neighbors, len(members) - 1)
            if k < self.k_neighbors:
                warn(
                    f"Class {plain(label)!r} has {len(members)} sequences, fewer than "
                    f"k_neighbors + 1 = {self.k_neighbors + 1}; using k_neighbors={k}.",
                    UserWarning,
                )
            # kneighbors() without X leaves each sequence out of its own list.
            neighbors = (
                NearestNeighbors(n_neighbors=k)
                .fit(flat[members])
                .kneighbors(return_distance=False)
            )
            base = rng.randint(len(members), size=n_new)
            partner = neighbors[base, rng.randint(k, size=n_new)]
            gap = rng.uniform(size=(n_new,) + (1,) * (X.ndim - 1)).astype(X.dtype)
            x_base, x_partner = X[members[base]], X[members[partner]]
            X_new.append(x_base + gap * (x_partner - x_base))
            y_new.append(np.full(n_new, label, dtype=y.dtype))
        return np.concatenate(X_new), np.concatenate(y_new)
