"""Which rows go into which batch: pure functions of row indices and a RNG.

Only indices are drawn here; no sequence is copied. Unit tests call these
directly.
"""

import numpy as np
import torch


def consecutive(order, batch_size):
    """``order`` cut into batches of ``batch_size`` rows."""
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def bucketed(order, lengths, batch_size, rng, window=50):
    """Batches of similar lengths: sort each run of ``window`` batches of the
    (shuffled) ``order`` by length, cut it into batches, shuffle the batches.

    Padding waste falls with the spread of lengths inside a batch, while the
    shuffled windows and batch order keep epochs random.
    """
    batches = []
    span = window * batch_size
    for start in range(0, len(order), span):
        rows = order[start : start + span]
        rows = rows[np.argsort(lengths[rows], kind="stable")]
        batches.extend(consecutive(rows, batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def balanced_order(rows, y, rng):
    """One epoch's visiting order with the classes in turn.

    Every class present gets ``ceil(len(rows) / n_classes)`` slots, filled by
    drawing its rows (with replacement when it has fewer rows than slots),
    and the slots are interleaved class by class in a random order per round,
    so every run of ``n_classes`` consecutive rows holds each class once and
    every batch holds the classes in near-equal numbers.
    """
    labels = np.unique(y)
    slots = int(np.ceil(len(rows) / len(labels)))
    columns = []
    for label in labels:
        members = rows[y == label]
        columns.append(rng.choice(members, size=slots, replace=len(members) < slots))
    grid = np.stack(columns, axis=1)
    shuffle = np.argsort(rng.random_sample(grid.shape), axis=1)
    return np.take_along_axis(grid, shuffle, axis=1).ravel()


def epoch_batches(rows, y, lengths, batch_size, rng, *, balanced, bucket):
    """The batches of one training epoch over ``rows``.

    Parameters
    ----------
    rows : ndarray of int
        The training rows.
    y : ndarray of int
        Class index of every row (indexed by row number).
    lengths : ndarray of int or None
        Length of every row; ``None`` when all are equal (nothing to bucket).
    batch_size : int
    rng : numpy.random.RandomState
    balanced : bool
        Classes in near-equal numbers (:func:`balanced_order`).
    bucket : bool
        Similar lengths together (:func:`bucketed`); ignored with ``balanced``.
    """
    if balanced:
        return consecutive(balanced_order(rows, y[rows], rng), batch_size)
    order = rows[rng.permutation(len(rows))]
    if bucket and lengths is not None:
        return bucketed(order, lengths, batch_size, rng)
    return consecutive(order, batch_size)


def stratified_split(y, fraction, rng):
    """Split row indices into training and validation, stratified by ``y``.

    Each class with at least two members puts ``ceil(fraction * count)`` of
    them (at least one, and never all) into validation, so the validation split
    sees every such class. A class with a single member stays wholly in
    training; its label index is reported in ``too_small``.

    Returns
    -------
    train, valid : ndarray of int64
        Sorted row indices.
    too_small : list of int
        Label indices kept out of validation.
    """
    valid, too_small = [], []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if len(members) < 2:
            too_small.append(int(label))
            continue
        n_valid = min(max(1, int(np.ceil(fraction * len(members)))), len(members) - 1)
        valid.append(rng.choice(members, size=n_valid, replace=False))
    valid = np.sort(np.concatenate(valid)) if valid else np.array([], dtype=np.int64)
    train = np.setdiff1d(np.arange(len(y)), valid)
    return train, valid, too_small


def _to_device(array, device):
    tensor = torch.from_numpy(array)
    if device == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor


def iter_batches(sequences, batches, device, augment=None):
    """Yield ``(indices, x, lengths)`` for each array of row indices in
    ``batches``.

    ``augment(values, lengths)``, when given, rewrites each batch's padded
    values before they become a tensor.
    """
    for indices in batches:
        values, lengths = sequences.batch(indices)
        if augment is not None:
            values = augment(values, lengths)
        yield (
            indices,
            _to_device(values, device),
            None if lengths is None else torch.from_numpy(lengths),
        )
