"""Dynamic time warping for the elastic samplers, vectorised over pairs.

The local cost of aligning step ``i`` of ``a`` with step ``j`` of ``b`` is the
squared Euclidean distance between the two steps over all channels (the
"dependent" multichannel DTW), and the cost of two sequences is the least sum
of local costs along a warping path from ``(0, 0)`` to their last steps, with
steps ``(1, 1)``, ``(1, 0)`` and ``(0, 1)`` and no window.

Each row ``i`` of the cumulative matrix ``D`` follows from the row above in a
few array operations: with ``e[j] = c[i, j] + min(D[i-1, j-1], D[i-1, j])``
and ``S`` the running sum of ``c[i, :]``, ``D[i, j] = min(e[j], c[i, j] +
D[i, j-1]) = S[j] + min_{k <= j} (e[k] - S[k])``, a cumulative minimum. A
pair of sequences of lengths ``t_a`` and ``t_b`` costs ``t_a`` such steps on
arrays of ``t_b`` values, and many pairs run at once.
"""

import numpy as np

# Pairs per block: the cost of one row of D holds pairs x steps x channels
# values, the whole matrices of a block that keeps them pairs x steps x steps.
ROW_BUDGET, MATRIX_BUDGET = 2**20, 2**22


def dtw_costs(values, lengths, rows, cols):
    """The DTW cost between sequences ``rows[p]`` and ``cols[p]``, for each ``p``.

    Parameters
    ----------
    values : ndarray of shape (n_samples, max_length, n_channels)
        Zero-padded sequences (what follows a sequence's end never matters).
    lengths : ndarray of shape (n_samples,)
        Their true lengths.
    rows, cols : ndarray of shape (n_pairs,)
        The pairs.

    Returns
    -------
    costs : ndarray of shape (n_pairs,), float64
        The least sum of squared step distances along a warping path.
    """
    costs = np.empty(len(rows))
    width = values.shape[1] * values.shape[2]
    size = max(1, ROW_BUDGET // width)
    for start in range(0, len(rows), size):
        block = slice(start, start + size)
        costs[block] = _accumulate(values, lengths, rows[block], cols[block])[0]
    return costs


def dtw_cost_matrix(values, lengths, queries, candidates):
    """DTW costs from each of ``queries`` to each of ``candidates``.

    Each unordered pair is computed once; a row's cost to itself is ``inf``,
    so that it is never its own neighbour.

    Returns
    -------
    costs : ndarray of shape (len(queries), len(candidates))
    """
    q, c = np.meshgrid(queries, candidates, indexing="ij")
    pairs = np.stack([np.minimum(q, c).ravel(), np.maximum(q, c).ravel()], axis=1)
    unique, where = np.unique(pairs, axis=0, return_inverse=True)
    costs = dtw_costs(values, lengths, unique[:, 0], unique[:, 1])
    out = costs[where.ravel()].reshape(q.shape)
    out[q == c] = np.inf
    return out


def warped_mixes(values, lengths, base, partner, gap):
    """New sequences between ``base[p]`` and ``partner[p]``, along their warping path.

    Along the DTW path ``(i_k, j_k)`` of the two sequences, step ``k`` of the
    mix is ``(1 - g) a[i_k] + g b[j_k]`` at time ``(1 - g) i_k + g j_k``; the
    mix is then read at ``round((1 - g) t_a + g t_b)`` evenly spaced times by
    linear interpolation (weighted averaging under time warping,
    Niennattrakul and Ratanamahatana 2009). ``g = 0`` gives ``a`` back, ``g =
    1`` gives ``b``; the length lies between the two parents'.

    Returns
    -------
    mixes : list of ndarray of shape (t_p, n_channels), in ``values.dtype``
    """
    mixes = []
    steps = values.shape[1]
    size = max(1, MATRIX_BUDGET // (steps * steps))
    for start in range(0, len(base), size):
        block = slice(start, start + size)
        a, b = base[block], partner[block]
        _, matrices = _accumulate(values, lengths, a, b, keep=True)
        for p, path in enumerate(_paths(matrices, lengths[a], lengths[b])):
            mixes.append(
                _mix(
                    values[a[p]],
                    values[b[p]],
                    path,
                    lengths[a[p]],
                    lengths[b[p]],
                    gap[start + p],
                )
            )
    return mixes


def _accumulate(values, lengths, rows, cols, keep=False):
    """DTW costs of the pairs, and (``keep``) their cumulative matrices."""
    la, lb = lengths[rows], lengths[cols]
    a = values[rows, : la.max()].astype(np.float64)
    b = values[cols, : lb.max()].astype(np.float64)
    n_pairs, steps_b = len(rows), b.shape[1]
    costs = np.empty(n_pairs)
    matrices = np.empty((n_pairs, a.shape[1], steps_b)) if keep else None
    # above[:, j + 1] = D[i - 1, j]; above[:, 0] = D[i - 1, -1] (0 before row 0).
    above = np.full((n_pairs, steps_b + 1), np.inf)
    above[:, 0] = 0.0
    for i in range(a.shape[1]):
        local = ((a[:, i, np.newaxis, :] - b) ** 2).sum(axis=2)
        entry = local + np.minimum(above[:, :-1], above[:, 1:])
        running = np.cumsum(local, axis=1)
        row = running + np.minimum.accumulate(entry - running, axis=1)
        ends = np.flatnonzero(la == i + 1)
        costs[ends] = row[ends, lb[ends] - 1]
        if keep:
            matrices[:, i] = row
        above[:, 0] = np.inf
        above[:, 1:] = row
    return costs, matrices


def _paths(matrices, la, lb):
    """The warping path of each pair, from its cumulative matrix: lists of
    ``(i, j)`` from ``(0, 0)`` to the last steps, ties preferring the diagonal."""
    n_pairs = len(matrices)
    i, j = la - 1, lb - 1
    trail = [(i.copy(), j.copy())]
    pairs = np.arange(n_pairs)
    while True:
        moving = (i > 0) | (j > 0)
        if not moving.any():
            break
        options = np.full((n_pairs, 3), np.inf)
        back_i, back_j = np.maximum(i - 1, 0), np.maximum(j - 1, 0)
        options[:, 0] = np.where(
            (i > 0) & (j > 0), matrices[pairs, back_i, back_j], np.inf
        )
        options[:, 1] = np.where(i > 0, matrices[pairs, back_i, j], np.inf)
        options[:, 2] = np.where(j > 0, matrices[pairs, i, back_j], np.inf)
        move = np.argmin(options, axis=1)
        i = np.where(moving & (move != 2), i - 1, i)
        j = np.where(moving & (move != 1), j - 1, j)
        trail.append((i, j))
    steps_i = np.stack([t[0] for t in trail[::-1]], axis=1)
    steps_j = np.stack([t[1] for t in trail[::-1]], axis=1)
    paths = []
    for p in range(n_pairs):
        # Pairs that reached (0, 0) early repeat it at the start of the trail.
        first = np.flatnonzero((steps_i[p] > 0) | (steps_j[p] > 0))
        start = first[0] - 1 if len(first) else len(trail) - 1
        paths.append((steps_i[p, start:], steps_j[p, start:]))
    return paths


def _mix(a, b, path, la, lb, gap):
    i, j = path
    mixed = (1 - gap) * a[i].astype(np.float64) + gap * b[j]
    times = (1 - gap) * i + gap * j
    length = max(1, int(np.floor((1 - gap) * la + gap * lb + 0.5)))
    at = np.linspace(0.0, times[-1], length)
    out = np.column_stack(
        [np.interp(at, times, mixed[:, c]) for c in range(mixed.shape[1])]
    )
    return out.astype(a.dtype)
