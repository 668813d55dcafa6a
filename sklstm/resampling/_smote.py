"""SMOTE for whole sequences, by Euclidean distance or along a DTW alignment."""

from numbers import Integral

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from sklstm._compat import Interval, StrOptions, Substitution
from sklstm._labels import plain
from sklstm._sequences import FLOAT_DTYPES
from sklstm._warnings import warn
from sklstm.resampling._base import SequenceSamplerMixin, as_object_rows, to_sequences
from sklstm.resampling._dtw import dtw_cost_matrix, warped_mixes


class BaseSequenceSMOTE(SequenceSamplerMixin, BaseOverSampler):
    """What the interpolating samplers share: the distance between two
    sequences, and a new sequence between a sequence and a neighbour.

    Subclasses pick, for each class to grow, the base sequences and the
    neighbour each new sequence lies towards (``_pick``); this class draws the
    gaps and builds the sequences: on a straight line for
    ``distance="euclidean"``, along the two sequences' DTW alignment for
    ``distance="dtw"``.
    """

    _dtype = FLOAT_DTYPES
    _ensure_all_finite = True
    _ragged_hint = (
        "Pass distance='dtw', which aligns sequences of different lengths, or "
        "pad or resample them to one length first."
    )
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "distance": [StrOptions({"euclidean", "dtw"})],
        "random_state": ["random_state"],
    }

    @property
    def _accepts_ragged(self):
        return self.distance == "dtw"

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        sequences = to_sequences(X)
        X_new, y_new = [], []
        for label, n_new in self.sampling_strategy_.items():
            if n_new == 0:
                continue
            members = np.flatnonzero(y == label)
            base, partner = self._pick(X, sequences, y, label, members, n_new, rng)
            X_new.extend(self._between(X, sequences, base, partner, rng))
            y_new.append(np.full(n_new, label, dtype=y.dtype))
        if X.dtype == object:
            X_res = as_object_rows([*X, *X_new])
        elif self.distance == "dtw" and X_new:
            # Equal lengths: every mix is as long as its parents.
            X_res = np.concatenate([X, np.stack(X_new).reshape(-1, *X.shape[1:])])
        else:
            X_res = np.concatenate([X, *X_new])
        return X_res, np.concatenate([y, *y_new])

    def _between(self, X, sequences, base, partner, rng):
        """New sequences between rows ``base`` and ``partner`` of ``X``: one
        array of them for Euclidean, a list of per-sequence arrays for DTW."""
        if self.distance == "euclidean":
            shape = (len(base),) + (1,) * (X.ndim - 1)
            gap = rng.uniform(size=shape).astype(X.dtype)
            return [X[base] + gap * (X[partner] - X[base])]
        gap = rng.uniform(size=len(base))
        return warped_mixes(sequences.values, sequences.lengths, base, partner, gap)

    def _distances(self, X, sequences, queries, candidates):
        """Distances from rows ``queries`` to rows ``candidates`` of ``X``; a
        row's distance to itself is ``inf``. DTW costs are squared distances,
        which order neighbours alike."""
        if self.distance == "dtw":
            return dtw_cost_matrix(
                sequences.values, sequences.lengths, queries, candidates
            )
        flat = X.reshape(len(X), -1)
        out = euclidean_distances(flat[queries], flat[candidates])
        out[queries[:, np.newaxis] == candidates] = np.inf
        return out

    def _class_neighbours(self, label, n_members, name):
        """The neighbours available in a class of ``n_members``: the parameter
        ``name``, fewer with a warning, or a ValueError for a single sequence."""
        if n_members < 2:
            raise ValueError(
                f"Class {plain(label)!r} has a single sequence; {type(self).__name__} "
                "needs at least 2 to interpolate. Use SequenceRandomOverSampler "
                "or AugmentationSampler for it."
            )
        wanted = getattr(self, name)
        k = min(wanted, n_members - 1)
        if k < wanted:
            warn(
                f"Class {plain(label)!r} has {n_members} sequences, fewer than "
                f"{name} + 1 = {wanted + 1}; using {name}={k}.",
                UserWarning,
            )
        return k


@Substitution(sampling_strategy=BaseOverSampler._sampling_strategy_docstring)
class SequenceSMOTE(BaseSequenceSMOTE):
    """SMOTE on whole sequences: new sequences between same-class neighbours.

    Each new minority sequence lies between a random sequence ``x`` of the
    class and one of its ``k_neighbors`` nearest sequences of the same class,
    ``x_nn``, at a gap ``u ~ U(0, 1)`` (Chawla et al. 2002):

    - ``distance="euclidean"``: neighbours by Euclidean distance over the
      whole multichannel sequence, and the new sequence is ``x + u * (x_nn -
      x)``. Sequences must share one length.
    - ``distance="dtw"``: neighbours by dynamic time warping, and the new
      sequence is the weighted average of ``x`` and ``x_nn`` along their
      warping path, ``(1 - u) x[i] + u x_nn[j]`` at time ``(1 - u) i + u j``
      for each aligned pair ``(i, j)``, read at ``round((1 - u) len(x) + u
      len(x_nn))`` evenly spaced times: its length lies between its parents'.
      The elastic SMOTE of aeon's ``ESMOTE`` keeps ``x``'s length and time
      axis instead; averaging along the path follows Niennattrakul and
      Ratanamahatana's weighted shape averaging. Works on variable-length
      sequences. The cost of two sequences is the least sum of squared step
      distances (over all channels) along a warping path, without a window;
      computing it for every pair of a class takes ``O(m^2 t^2)`` for ``m``
      sequences of ``t`` steps.

    A class with fewer than ``k_neighbors + 1`` sequences uses all its other
    sequences as neighbours (``k`` reduced, with a warning); a class with a
    single sequence cannot be interpolated and raises a ``ValueError``.

    Parameters
    ----------
    {sampling_strategy}
    k_neighbors : int, default=5
        Neighbours to interpolate towards.
    distance : {{"euclidean", "dtw"}}, default="euclidean"
        How neighbours are found and new sequences built, see above.
    random_state : int, RandomState instance or None, default=None
        Draws the base sequences, neighbours and gaps.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{{label: number of sequences to add}}``.
    n_features_in_ : int
        Time steps of fixed-length input (not set for variable-length input).

    See Also
    --------
    SequenceADASYN : More new sequences near the other classes.
    FlattenedSampler : Any imbalanced-learn sampler (SMOTE variants included)
        on flattened sequences.

    References
    ----------
    .. [1] N. V. Chawla, K. W. Bowyer, L. O. Hall, W. P. Kegelmeyer, "SMOTE:
       Synthetic Minority Over-sampling Technique", JAIR 16, 2002.
    .. [2] V. Niennattrakul, C. A. Ratanamahatana, "Shape averaging under
       time warping", ECTI-CON 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.resampling import SequenceSMOTE
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(30, 8, 2)), np.array([0] * 24 + [1] * 6)
    >>> X_res, y_res = SequenceSMOTE(random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((48, 8, 2), [24, 24])

    Variable-length sequences with ``distance="dtw"``: the three new sequences
    of class 1 lie between its two, of 5 and 12 steps.

    >>> X = [rng.normal(size=(n, 2)) for n in [9, 7, 6, 8, 11, 5, 12]]
    >>> X_res, y_res = SequenceSMOTE(
    ...     k_neighbors=1, distance="dtw", random_state=0
    ... ).fit_resample(X, [0, 0, 0, 0, 0, 1, 1])
    >>> [len(x) for x in X_res], y_res
    ([9, 7, 6, 8, 11, 5, 12, 11, 6, 6], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    """

    _parameter_constraints: dict = {
        **BaseSequenceSMOTE._parameter_constraints,
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        k_neighbors=5,
        distance="euclidean",
        random_state=None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.k_neighbors = k_neighbors
        self.distance = distance
        self.random_state = random_state

    def _pick(self, X, sequences, y, label, members, n_new, rng):
        k = self._class_neighbours(label, len(members), "k_neighbors")
        if self.distance == "euclidean":
            # kneighbors() without X leaves each sequence out of its own list.
            neighbors = (
                NearestNeighbors(n_neighbors=k)
                .fit(X[members].reshape(len(members), -1))
                .kneighbors(return_distance=False)
            )
        else:
            distances = self._distances(X, sequences, members, members)
            neighbors = np.argsort(distances, axis=1, kind="stable")[:, :k]
        base = rng.randint(len(members), size=n_new)
        partner = neighbors[base, rng.randint(k, size=n_new)]
        return members[base], members[partner]
