"""Any dataset of the UCR/UEA archive, downloaded once and cached."""

import http.client
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from sklstm.datasets._base import (
    ARCHIVE_CITATION,
    SequenceDataset,
    _check_subset,
    _folder_dataset,
)

ARCHIVE_URL = "https://timeseriesclassification.com/aeon-toolkit/"
DATA_HOME_VARIABLE = "SKLSTM_DATA_HOME"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_CHUNK = 1 << 20


def get_data_home(data_home=None):
    """The folder where fetched datasets are cached, created if missing.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder. ``None``: the environment variable ``SKLSTM_DATA_HOME``
        when set, else ``~/sklstm_data``. ``~`` is expanded.

    Returns
    -------
    data_home : pathlib.Path
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_VARIABLE, "~/sklstm_data")
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def fetch_ucr(
    name,
    *,
    subset="all",
    data_home=None,
    return_X_y=False,
    download_if_missing=True,
    base_url=ARCHIVE_URL,
):
    """Load a dataset of the UCR/UEA time series classification archive.

    The first call downloads ``<base_url><name>.zip`` (univariate UCR or
    multivariate UEA, ``.ts`` or ``.tsv`` files inside) and keeps its TRAIN
    and TEST files under ``<data_home>/ucr/<name>/``, the layout of
    :func:`~sklstm.datasets.load_folder`; later calls read them from there.
    A download goes to a temporary file that is checked (complete, a valid
    zip whose members' checksums hold, both files present) before it is moved
    into the cache, so an interrupted or damaged download never leaves a
    half-written dataset behind.

    Parameters
    ----------
    name : str
        The archive's name of the dataset, e.g. ``"GunPoint"``,
        ``"JapaneseVowels"`` (case as on the archive's site).
    subset : {'all', 'train', 'test'}, default='all'
        The official TRAIN file, the TEST file, or both pooled (TRAIN rows
        first).
    data_home : str or path-like, default=None
        Cache folder; see :func:`get_data_home`.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a :class:`SequenceDataset`.
    download_if_missing : bool, default=True
        If False, raise an ``OSError`` when the dataset is not cached instead
        of downloading it.
    base_url : str, default=ARCHIVE_URL
        Where the archive's zips are served (a mirror, or a local server).

    Returns
    -------
    dataset : SequenceDataset
        ``X`` (an array, or a list of arrays for variable-length sets), ``y``
        and a description. ``(X, y)`` if ``return_X_y``.

    Raises
    ------
    OSError
        When the download fails (no network, no such dataset, an interrupted
        or damaged file), naming the URL and where to put the file by hand.

    Examples
    --------
    >>> from sklstm.datasets import fetch_ucr
    >>> X, y = fetch_ucr("GunPoint", subset="train", return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (50, 150, 1)
    """
    _check_subset(subset)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"name must be a dataset name of letters, digits, '_' and '-' "
            f"(e.g. 'GunPoint'); got {name!r}."
        )
    folder = get_data_home(data_home) / "ucr" / name
    url = f"{base_url}{name}.zip"
    if not folder.is_dir():
        if not download_if_missing:
            raise OSError(
                f"{name} is not in the cache ({folder}) and download_if_missing "
                "is False."
            )
        _download(url, name, folder)
    dataset = _folder_dataset(folder, subset)
    if dataset is None:
        raise ValueError(f"{name} has no {subset!r} file in {folder}.")
    if return_X_y:
        return dataset.X, dataset.y
    description = (
        f"{dataset.description}\n\nSource: {url}, cached in {folder}.\n"
        f"{ARCHIVE_CITATION}\n"
    )
    return SequenceDataset(dataset.X, dataset.y, description)


def _download(url, name, folder):
    """Download, check and unpack ``url`` into ``folder``, all or nothing."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    by_hand = (
        f"Without network access, download {url} elsewhere and unzip its "
        f"{name}_TRAIN and {name}_TEST files into {folder}."
    )
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{name}-") as tmp:
        archive = Path(tmp) / f"{name}.zip"
        try:
            _fetch(url, archive)
        except (OSError, ValueError, http.client.HTTPException) as error:
            raise OSError(f"Could not download {url}: {error}. {by_hand}") from error
        unpacked = Path(tmp) / name
        try:
            _unpack(archive, name, unpacked)
        except (zipfile.BadZipFile, ValueError) as error:
            raise OSError(
                f"The download of {url} is not a valid archive of {name}: "
                f"{error}. {by_hand}"
            ) from error
        try:
            unpacked.rename(folder)
        except OSError:
            if not folder.is_dir():  # not another process finishing first
                raise


def _fetch(url, path):
    """``url`` into ``path``; an error unless every announced byte arrived."""
    with urllib.request.urlopen(url, timeout=60) as response, path.open("wb") as f:
        expected = response.headers.get("Content-Length")
        shutil.copyfileobj(response, f, _CHUNK)
        received = f.tell()
    if expected is not None and received != int(expected):
        raise ValueError(f"received {received} of {expected} bytes")


def _unpack(archive, name, folder):
    """Copy the archive's TRAIN and TEST files (``.ts``, else ``.tsv``) into
    ``folder``, by base name only (no path inside the zip is trusted)."""
    with zipfile.ZipFile(archive) as zf:
        damaged = zf.testzip()
        if damaged is not None:
            raise ValueError(f"member {damaged} fails its checksum")
        members = {Path(m).name: m for m in zf.namelist() if not m.endswith("/")}
        for suffix in (".ts", ".tsv"):
            wanted = [f"{name}_{part}{suffix}" for part in ("TRAIN", "TEST")]
            if all(w in members for w in wanted):
                break
        else:
            raise ValueError(
                f"it holds no {name}_TRAIN/_TEST .ts or .tsv files "
                f"(members: {sorted(members)[:10]})"
            )
        folder.mkdir()
        for file in wanted:
            with zf.open(members[file]) as src, (folder / file).open("wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
