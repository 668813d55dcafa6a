"""Saving fitted classifiers in a format that runs no code when loaded.

A file holds the network's weights (loaded with
``torch.load(weights_only=True)``, which only rebuilds tensors and plain
containers) and one JSON document with the format version, the
hyper-parameters and the fitted attributes. Unlike pickle, loading an untrusted
file cannot execute code; only classes named in this module can be rebuilt.
"""

import json
import pickle
import zipfile

import numpy as np
import torch

import sklstm
from sklstm import augmentation
from sklstm._classifier import LSTMSequenceClassifier

FORMAT = "sklstm-lstm-sequence-classifier"
FORMAT_VERSION = 1
_ATTRIBUTES = (
    "classes_",
    "n_channels_",
    "n_features_in_",
    "feature_names_in_",
    "vocabulary_",
    "history_",
    "n_epochs_",
    "best_epoch_",
)
_AUGMENTERS = {name: getattr(augmentation, name) for name in augmentation.__all__}


def _encode(value, where):
    """``value`` as JSON-able data; tags keep arrays, dicts and augmenters."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": _encode(value.tolist(), where), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v, f"{where}[{k!r}]") for k, v in value.items()}
        return {
            "__pairs__": [
                [_encode(k, where), _encode(v, where)] for k, v in value.items()
            ]
        }
    if isinstance(value, (list, tuple)):
        return [_encode(v, where) for v in value]
    if isinstance(value, augmentation.BaseAugmenter):
        name = type(value).__name__
        if _AUGMENTERS.get(name) is not type(value):
            raise ValueError(f"{where}: {name} is not an sklstm augmenter.")
        return {
            "__augmenter__": name,
            "params": _encode(value.get_params(deep=False), where),
        }
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(
        f"{where} = {value!r} cannot be stored safely (only numbers, strings, "
        "arrays, dicts and sklstm augmenters can); use pickle for this model, or "
        "set it to a plain value."
    )


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        return np.array(_decode(value["__ndarray__"]), dtype=np.dtype(value["dtype"]))
    if "__pairs__" in value:
        return {_hashable(_decode(k)): _decode(v) for k, v in value["__pairs__"]}
    if "__augmenter__" in value:
        cls = _AUGMENTERS.get(value["__augmenter__"])
        if cls is None:
            raise ValueError(
                f"Unknown augmenter {value['__augmenter__']!r} in the file."
            )
        return cls(**_decode(value["params"]))
    return {k: _decode(v) for k, v in value.items()}


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def save_model(estimator, path):
    """Save a fitted :class:`~sklstm.LSTMSequenceClassifier` safely.

    Parameters
    ----------
    estimator : LSTMSequenceClassifier
        Fitted. Its hyper-parameters must be plain values or sklstm augmenters
        (a callable ``scoring`` or a ``RandomState`` instance cannot be stored).
    path : str or path-like
        Destination file. The optimizer state is not saved: a loaded model
        predicts, and continues training with a fresh optimizer.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from sklstm import LSTMSequenceClassifier
    >>> from sklstm.persistence import load_model, save_model
    >>> X, y = np.random.RandomState(0).normal(size=(20, 5, 1)), np.arange(20) % 2
    >>> clf = LSTMSequenceClassifier(hidden_size=4, max_epochs=2).fit(X, y)
    >>> path = Path(tempfile.mkdtemp()) / "model.sklstm"
    >>> save_model(clf, path)
    >>> restored = load_model(path)
    >>> np.array_equal(restored.predict_proba(X), clf.predict_proba(X))
    True
    """
    if not isinstance(estimator, LSTMSequenceClassifier):
        raise TypeError(
            f"save_model stores LSTMSequenceClassifier; got {type(estimator).__name__}."
        )
    if not hasattr(estimator, "module_"):
        raise ValueError("The estimator is not fitted; fit it before saving.")
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sklstm_version": sklstm.__version__,
        "params": _encode(estimator.get_params(deep=False), "parameter"),
        "attributes": {
            name: _encode(getattr(estimator, name), name)
            for name in _ATTRIBUTES
            if hasattr(estimator, name)
        },
    }
    weights = {k: v.detach().cpu() for k, v in estimator.module_.state_dict().items()}
    torch.save({"sklstm": json.dumps(document), "weights": weights}, path)


def load_model(path):
    """Load a classifier written by :func:`save_model`, running no code from it.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    estimator : LSTMSequenceClassifier
        Fitted, on the CPU (``device_ == 'cpu'``).

    Raises
    ------
    ValueError
        If the file is not an sklstm model file or was written in a format
        version this sklstm cannot read.
    """
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, zipfile.BadZipFile, RuntimeError, EOFError) as exc:
        raise ValueError(f"{path} is not an sklstm model file: {exc}") from exc
    if not isinstance(content, dict) or "sklstm" not in content:
        raise ValueError(f"{path} is not an sklstm model file.")
    document = json.loads(content["sklstm"])
    if document.get("format") != FORMAT:
        raise ValueError(f"{path} holds {document.get('format')!r}, not {FORMAT!r}.")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path} was written in sklstm model format version {version} (by "
            f"sklstm {document.get('sklstm_version')}); this sklstm "
            f"({sklstm.__version__}) reads version {FORMAT_VERSION}. Load it with a "
            "matching sklstm release."
        )
    estimator = LSTMSequenceClassifier(**_decode(document["params"]))
    for name, value in _decode(document["attributes"]).items():
        setattr(estimator, name, value)
    estimator.device_ = "cpu"
    estimator.module_ = estimator._build_module(len(estimator.classes_))
    estimator.module_.load_state_dict(content["weights"])
    return estimator
