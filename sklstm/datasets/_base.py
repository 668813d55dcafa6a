"""Datasets: the bundled real imbalanced series and a loader for whole folders."""

from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from sklstm.datasets._formats import (
    _open_text,
    load_labelled_text,
    load_ts,
    load_ucr_tsv,
)

ARCHIVE_CITATION = (
    "Cite the archive as: Dau, H. A., Bagnall, A., Kamgar, K., Yeh, C.-C. M., "
    "Zhu, Y., Gharghabi, S., Ratanamahatana, C. A. and Keogh, E. (2019). The UCR "
    "Time Series Archive. IEEE/CAA Journal of Automatica Sinica, 6(6), 1293-1305."
)


class SequenceDataset(NamedTuple):
    """Sequences, labels and a description; unpacks as ``X, y, description``.

    ``data``, ``target`` and ``DESCR`` are aliases in scikit-learn's naming.
    """

    X: object
    y: np.ndarray
    description: str

    @property
    def data(self):
        return self.X

    @property
    def target(self):
        return self.y

    @property
    def DESCR(self):
        return self.description


def _concat(parts):
    """Pool (X, y) parts; arrays stay arrays when their shapes agree."""
    Xs, ys = zip(*parts, strict=True)
    if (
        all(isinstance(X, np.ndarray) for X in Xs)
        and len({X.shape[1:] for X in Xs}) == 1
    ):
        X = np.concatenate(Xs)
    else:
        X = [x for X in Xs for x in X]
    return X, np.concatenate(ys)


def _check_subset(subset):
    if subset not in ("all", "train", "test"):
        raise ValueError(f"subset must be 'all', 'train' or 'test'; got {subset!r}.")


def _subset_files(files, subset):
    _check_subset(subset)
    chosen = [f for f in files if subset == "all" or f"_{subset.upper()}." in f.name]
    if not chosen:
        raise ValueError(f"No {subset!r} file among {[f.name for f in files]}.")
    return chosen


def _bundled(name, subset, return_X_y):
    folder = resources.files("sklstm.datasets") / "data"
    files = sorted(
        (f for f in folder.iterdir() if f.name.startswith(f"{name}_")),
        key=lambda f: "_TEST" in f.name,  # TRAIN rows first
    )
    X, y = _concat([load_ucr_tsv(f) for f in _subset_files(files, subset)])
    if return_X_y:
        return X, y
    description = (folder / f"{name}.md").read_text(encoding="utf-8")
    pooled = "TRAIN and TEST files pooled" if subset == "all" else f"{subset} file"
    counts = ", ".join(f"{c}: {n}" for c, n in zip(*np.unique(y, return_counts=True)))
    description += (
        f"\n\nLoaded: {len(y)} sequences ({pooled}); class counts {counts}.\n"
        f"Source: the UCR Time Series Classification Archive (2018 release).\n"
        f"{ARCHIVE_CITATION}\n"
    )
    return SequenceDataset(X, y, description)


def load_ecg200(*, subset="all", return_X_y=False):
    """ECG200: 200 heartbeats x 96 steps, normal (133) vs myocardial infarction (67).

    Parameters
    ----------
    subset : {'all', 'train', 'test'}, default='all'
        The official TRAIN (100) or TEST (100) split, or both pooled (TRAIN
        rows first), as for stratified cross-validation.
    return_X_y : bool, default=False
        Return ``(X, y)`` only.

    Returns
    -------
    dataset : SequenceDataset
        ``X`` of shape (n, 96) (univariate), integer ``y`` in {-1, 1}, and a
        description with source and citation. ``(X, y)`` if ``return_X_y``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.datasets import load_ecg200
    >>> X, y, description = load_ecg200()
    >>> X.shape, np.unique(y).tolist()
    ((200, 96), [-1, 1])
    """
    return _bundled("ECG200", subset, return_X_y)


def load_earthquakes(*, subset="all", return_X_y=False):
    """Earthquakes: 461 hourly series x 512 steps, 368 negative vs 93 major events.

    Parameters
    ----------
    subset : {'all', 'train', 'test'}, default='all'
        The official TRAIN (322) or TEST (139) split, or both pooled.
    return_X_y : bool, default=False
        Return ``(X, y)`` only.

    Returns
    -------
    dataset : SequenceDataset
        ``X`` of shape (n, 512), integer ``y`` in {0, 1}, and a description.
        ``(X, y)`` if ``return_X_y``.
    """
    return _bundled("Earthquakes", subset, return_X_y)


def load_wafer(*, subset="all", return_X_y=False):
    """Wafer (TRAIN file): 1000 sensor series x 152 steps, 903 normal vs 97 abnormal.

    Only the archive's TRAIN file ships, so ``subset='test'`` is an error.

    Parameters
    ----------
    subset : {'all', 'train'}, default='all'
        Both name the 1000 sequences of the TRAIN file.
    return_X_y : bool, default=False
        Return ``(X, y)`` only.

    Returns
    -------
    dataset : SequenceDataset
        ``X`` of shape (1000, 152), integer ``y`` in {-1, 1}, and a
        description. ``(X, y)`` if ``return_X_y``.
    """
    return _bundled("Wafer", subset, return_X_y)


def _comments(path):
    """The ``#`` comment lines at the top of a ``.ts`` file (its description)."""
    lines = []
    with _open_text(path) as f:
        for line in f:
            if not line.startswith("#"):
                break
            lines.append(line[1:].strip())
    return "\n".join(lines)


def _folder_dataset(folder, subset):
    """One dataset folder of the ``ucr``/``uea``/``text`` layout, or None."""
    readme = next(
        (f for f in folder.iterdir() if f.name.lower().startswith("readme")), None
    )
    description = readme.read_text(encoding="utf-8", errors="replace") if readme else ""
    for suffix, reader in ((".tsv", load_ucr_tsv), (".ts", load_ts)):
        files = sorted(
            (f for f in folder.iterdir() if f.name.endswith((suffix, suffix + ".gz"))),
            key=lambda f: "_TEST" in f.name,
        )
        if files:
            if subset != "all" and not any(
                f"_{subset.upper()}." in f.name for f in files
            ):
                return None
            X, y = _concat([reader(f) for f in _subset_files(files, subset)])
            return SequenceDataset(X, y, description or _comments(files[0]))
    texts = [
        f
        for f in folder.iterdir()
        if f.is_file() and f != readme and not f.name.startswith(".")
    ]
    if len(texts) == 1:
        X, y = load_labelled_text(texts[0])
        return SequenceDataset(X, y, description)
    return None


def load_folder(path, *, subset="all"):
    """Load every dataset of a folder in the sklstm dataset-folder format.

    The format, one folder per dataset under a folder per kind:

    * ``ucr/<Name>/<Name>_TRAIN.tsv`` and ``<Name>_TEST.tsv``: UCR archive
      files (:func:`load_ucr_tsv`);
    * ``uea/<Name>/<Name>_TRAIN.ts`` and ``<Name>_TEST.ts``: UEA/sktime files
      (:func:`load_ts`);
    * ``text/<name>/<file>``: one file of ``label<TAB>text`` lines
      (:func:`load_labelled_text`).

    Any file may be gzipped (``.gz``); a file whose name starts with
    ``README`` in a dataset's folder is its description (for ``.ts`` files
    without one, the file's leading ``#`` comments). Other entries are
    ignored, and so are hidden folders (a download in progress).

    Parameters
    ----------
    path : str or path-like
        The top folder (holding ``ucr``, ``uea`` and/or ``text``).
    subset : {'all', 'train', 'test'}, default='all'
        Which split files to read; ``'all'`` pools them (TRAIN rows first).
        Series datasets without that split's file are left out.

    Returns
    -------
    datasets : dict of str to SequenceDataset
        By folder name, sorted. Text datasets hold raw strings in ``X``.
    """
    _check_subset(subset)
    top = Path(path)
    if not top.is_dir():
        raise ValueError(f"{top} is not a folder.")
    found = {}
    for kind in ("ucr", "uea", "text"):
        base = top / kind
        if not base.is_dir():
            continue
        for folder in sorted(
            p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")
        ):
            dataset = _folder_dataset(folder, subset)
            if dataset is not None:
                found[folder.name] = dataset
    return dict(sorted(found.items()))
