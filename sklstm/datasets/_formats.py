"""Readers for the UCR ``.tsv``, UEA/sktime ``.ts`` and labelled-text formats."""

import gzip
from pathlib import Path

import numpy as np

from sklstm._sequences import are_int64_values


def _open_text(path):
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _labels(raw):
    """Labels as ints when every label is an integer that int64 holds and
    distinct labels stay distinct ("01" and "1" do not), else as strings."""
    raw = np.array(raw)
    try:
        numbers = raw.astype(float)
    except ValueError:
        return raw
    if not are_int64_values(numbers):
        return raw
    integers = numbers.astype(np.int64)
    if len(np.unique(integers)) != len(np.unique(raw)):
        return raw
    return integers


def _as_sequences(rows):
    """One array when every sequence has the same shape, else a list of them."""
    if len({row.shape for row in rows}) == 1:
        return np.stack(rows)
    return rows


def load_ucr_tsv(path):
    """Read a UCR-archive ``.tsv`` file (optionally gzipped).

    Each line is the class label followed by the series' values, tab
    separated. Variable-length series, which the archive pads with trailing
    NaN, become a list of 1-D arrays; NaN inside a series (missing values) is
    kept (:class:`~sklstm.preprocessing.SequenceImputer` fills it).

    Parameters
    ----------
    path : str or path-like
        A ``<Name>_TRAIN.tsv`` / ``<Name>_TEST.tsv`` file, or its ``.gz``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps) or list of ndarray
        Univariate sequences (float64).
    y : ndarray of shape (n_samples,)
        Labels: int when all labels are integral numbers, else str.
    """
    labels, rows = [], []
    with _open_text(path) as f:
        for number, line in enumerate(f, start=1):
            fields = line.rstrip("\n").split("\t")
            if fields == [""]:
                continue
            try:
                values = np.array(fields[1:], dtype=float)
            except ValueError as exc:
                raise ValueError(f"{path}, line {number}: {exc}") from exc
            real = np.flatnonzero(~np.isnan(values))
            rows.append(values[: real[-1] + 1] if len(real) else values[:0])
            labels.append(fields[0])
    return _as_sequences(rows), _labels(labels)


def load_ts(path):
    """Read a UEA/sktime ``.ts`` file (optionally gzipped).

    Header lines start with ``@`` (``@data`` ends the header), comments with
    ``#``. Each case is one line: channels separated by ``:``, values by
    ``,``, the class label last. ``?`` marks a missing value (NaN).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features) or list of ndarray
        A 3-D array when every case has the same length, else a list of
        ``(t_i, n_features)`` arrays.
    y : ndarray of shape (n_samples,)
        Labels: int when all labels are integral numbers, else str.
    """
    header, labels, rows = {}, [], []
    in_data = False
    with _open_text(path) as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if line.lower() == "@data":
                    in_data = True
                elif line.startswith("@"):
                    key, _, value = line[1:].partition(" ")
                    header[key.lower()] = value.strip()
                continue
            if header.get("timestamps", "false").lower() == "true":
                raise ValueError(
                    f"{path}: .ts files with timestamps are not supported."
                )
            *channels, label = line.split(":")
            try:
                values = [
                    np.array(c.replace("?", "nan").split(","), dtype=float)
                    for c in channels
                ]
            except ValueError as exc:
                raise ValueError(f"{path}, line {number}: {exc}") from exc
            if len({len(v) for v in values}) != 1:
                raise ValueError(
                    f"{path}, line {number}: the channels of one case differ in length."
                )
            rows.append(np.stack(values, axis=1))
            labels.append(label.strip())
    if not in_data:
        raise ValueError(f"{path}: no @data section.")
    return _as_sequences(rows), _labels(labels)


def load_labelled_text(path):
    """Read ``label<TAB>text`` lines (the SMS Spam Collection format).

    Returns
    -------
    X : ndarray of shape (n_samples,), dtype object
        The texts.
    y : ndarray of shape (n_samples,)
        The labels, as strings.
    """
    labels, texts = [], []
    with _open_text(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                label, _, text = line.partition("\t")
                labels.append(label)
                texts.append(text)
    return np.array(texts, dtype=object), np.array(labels)
