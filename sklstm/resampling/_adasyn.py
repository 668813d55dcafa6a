"""ADASYN for whole sequences: more new sequences where a class meets the others."""

from numbers import Integral

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler

from sklstm._compat import Interval, Substitution
from sklstm._labels import plain
from sklstm._warnings import warn
from sklstm.resampling._smote import BaseSequenceSMOTE


@Substitution(sampling_strategy=BaseOverSampler._sampling_strategy_docstring)
class SequenceADASYN(BaseSequenceSMOTE):
    """ADASYN on whole sequences: SMOTE that grows a class where it is hard.

    For each sequence ``x`` of a class to grow, ``r(x)`` is the share of its
    ``n_neighbors`` nearest sequences (among all classes) that belong to
    another class. The new sequences are shared out among the class's
    sequences in proportion to ``r`` (largest remainders, so the class
    reaches exactly the count ``sampling_strategy`` asks for), and each lies
    between its base sequence and one of that sequence's ``n_neighbors``
    nearest sequences of its own class, as in :class:`SequenceSMOTE` (He et
    al. 2008). When no sequence of a class has a neighbour of another class,
    all are weighted alike, with a warning (imbalanced-learn's ``ADASYN``
    raises instead).

    ``distance`` is as in :class:`SequenceSMOTE`: ``"euclidean"`` (equal
    lengths, straight-line interpolation) or ``"dtw"`` (neighbours by dynamic
    time warping, new sequences averaged along the warping path with lengths
    between their parents'; variable lengths). With ``"dtw"`` each sequence
    of the class is compared with every sequence of every class.

    A class with fewer than ``n_neighbors + 1`` sequences interpolates towards
    all its other sequences (with a warning); a class with a single sequence
    raises a ``ValueError``.

    Parameters
    ----------
    {sampling_strategy}
    n_neighbors : int, default=5
        Neighbours that measure how hard a sequence is, and that new sequences
        are interpolated towards.
    distance : {{"euclidean", "dtw"}}, default="euclidean"
        How neighbours are found and new sequences built.
    random_state : int, RandomState instance or None, default=None
        Draws the neighbours and gaps.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{{label: number of sequences to add}}``.
    n_features_in_ : int
        Time steps of fixed-length input (not set for variable-length input).

    See Also
    --------
    SequenceSMOTE : New sequences spread evenly over the class.
    imblearn.over_sampling.ADASYN : The same on 2-D tabular data.

    References
    ----------
    .. [1] H. He, Y. Bai, E. A. Garcia, S. Li, "ADASYN: Adaptive synthetic
       sampling approach for imbalanced learning", IJCNN 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.resampling import SequenceADASYN
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(30, 8, 2))
    >>> y = np.array([0] * 24 + [1] * 6)
    >>> X[24:] += 1.0
    >>> X_res, y_res = SequenceADASYN(random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((48, 8, 2), [24, 24])
    """

    _parameter_constraints: dict = {
        **BaseSequenceSMOTE._parameter_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        n_neighbors=5,
        distance="euclidean",
        random_state=None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.n_neighbors = n_neighbors
        self.distance = distance
        self.random_state = random_state

    def _pick(self, X, sequences, y, label, members, n_new, rng):
        k = self._class_neighbours(label, len(members), "n_neighbors")
        distances = self._distances(X, sequences, members, np.arange(len(y)))
        order = np.argsort(distances, axis=1, kind="stable")
        nearest = order[:, : min(self.n_neighbors, len(y) - 1)]
        hardness = np.mean(y[nearest] != label, axis=1)
        if not hardness.any():
            warn(
                f"No sequence of class {plain(label)!r} has a sequence of another "
                f"class among its {nearest.shape[1]} nearest; SequenceADASYN "
                "spreads the new sequences evenly over the class, as SequenceSMOTE.",
                UserWarning,
            )
            hardness = np.ones(len(members))
        counts = _apportion(hardness / hardness.sum(), n_new)
        own = np.argsort(distances[:, members], axis=1, kind="stable")[:, :k]
        base = np.repeat(np.arange(len(members)), counts)
        partner = own[base, rng.randint(k, size=n_new)]
        return members[base], members[partner]


def _apportion(shares, total):
    """Whole counts in proportion to ``shares`` that sum to ``total``: the
    floors, plus one for the largest remainders (the first on ties)."""
    exact = shares * total
    counts = np.floor(exact).astype(np.int64)
    extra = total - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:extra]] += 1
    return counts
