"""Saving fitted classifiers in a format that runs no code when loaded.

A file holds the network's weights (loaded with
``torch.load(weights_only=True)``, which only rebuilds tensors and plain
containers), one JSON document with the format version, the hyper-parameters,
the architecture the network was trained with and the fitted attributes, and a
SHA-256 checksum of both. Unlike pickle, loading an untrusted file cannot
execute code; only classes named in this module can be rebuilt, and only the
fitted attributes listed here are restored, each checked.
"""

import hashlib
import io
import json
import os
import uuid
from pathlib import Path

import numpy as np
import torch

import sklstm
from sklstm import augmentation
from sklstm._classifier import LSTMSequenceClassifier
from sklstm._network import LSTMNetwork
from sklstm._spec import NetworkSpec, check_names, is_int

__all__ = ["load_model", "save_model"]

FORMAT = "sklstm-lstm-sequence-classifier"
FORMAT_VERSION = 8  # 5: token_dropout; 6: downsample; 7: convergence_loss; 8: refit
# Older versions this sklstm still reads, each with what its files lack: the
# values that reproduce how they were trained and predict.
_UPGRADES = {
    5: {
        "params": {"downsample": 1, "convergence_loss": None, "refit": False},
        "architecture": {"downsample": 1},
    },
    6: {"params": {"convergence_loss": None, "refit": False}},
    7: {"params": {"refit": False}},
}
_AUGMENTERS = {name: getattr(augmentation, name) for name in augmentation.__all__}
# Keys that mark an encoded value; a dict with any of them as a key is stored
# as pairs, so labels such as "__ndarray__" round-trip.
_TAGS = {"__ndarray__", "__pairs__", "__augmenter__"}
# Array dtypes a document may ask for: numbers, strings and Python objects
# (which JSON can only fill with numbers, strings, lists and None).
_DTYPE_KINDS = set("biufUO")


def _check_classes(value):
    return (
        isinstance(value, np.ndarray)
        and value.ndim == 1
        and len(value) >= 2
        and np.array_equal(np.unique(value), value)
    )


def _is_prior(value):
    return (
        isinstance(value, np.ndarray)
        and value.ndim == 1
        and value.dtype.kind == "f"
        and bool(np.all(np.isfinite(value) & (value >= 0)))
        and abs(value.sum() - 1) < 1e-9
    )


def _check_vocabulary(value):
    return (
        isinstance(value, np.ndarray)
        and value.ndim == 1
        and value.dtype.kind == "i"
        and bool(np.all(np.diff(value) > 0))
        and bool(np.all(value >= 1))  # may be empty: every token unknown
    )


# The fitted attributes a file restores, each with its check.
_ATTRIBUTES = {
    "classes_": _check_classes,
    "n_channels_": lambda v: is_int(v, 1),
    "n_features_in_": lambda v: is_int(v, 1),
    "feature_names_in_": lambda v: (
        isinstance(v, np.ndarray)
        and v.ndim == 1
        and all(isinstance(name, str) for name in v.tolist())
    ),
    "vocabulary_": _check_vocabulary,
    "history_": lambda v: isinstance(v, list) and all(isinstance(e, dict) for e in v),
    # Not in files of format 6 and before, which load without it.
    "resolved_params_": lambda v: (
        isinstance(v, dict)
        and set(v) <= set(LSTMSequenceClassifier().get_params(deep=False))
    ),
    "n_epochs_": lambda v: is_int(v, 0),
    "best_epoch_": lambda v: is_int(v, 0),
    "effective_prior_": _is_prior,
    "target_prior_": lambda v: v is None or _is_prior(v),
}
_REQUIRED = (
    "classes_",
    "n_channels_",
    "history_",
    "n_epochs_",
    "best_epoch_",
    "effective_prior_",
    "target_prior_",
)


def _encode(value, where):
    """``value`` as JSON-able data; tags keep arrays, dicts and augmenters."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": _encode(value.tolist(), where), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not _TAGS & set(value):
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
    tags = _TAGS & set(value)
    if not tags:
        return {k: _decode(v) for k, v in value.items()}
    if "__ndarray__" in tags and set(value) == {"__ndarray__", "dtype"}:
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in _DTYPE_KINDS:
            raise ValueError(f"arrays of dtype {dtype} are not stored in models.")
        array = np.array(_decode(value["__ndarray__"]), dtype=dtype)
        if dtype.kind == "O" and array.ndim != 1:
            raise ValueError("object arrays in models are 1-D.")
        return array
    if "__pairs__" in tags and set(value) == {"__pairs__"}:
        return {_hashable(_decode(k)): _decode(v) for k, v in value["__pairs__"]}
    if "__augmenter__" in tags and set(value) == {"__augmenter__", "params"}:
        cls = _AUGMENTERS.get(value["__augmenter__"])
        if cls is None:
            raise ValueError(f"unknown augmenter {value['__augmenter__']!r}.")
        augmenter = cls(**_decode(value["params"]))
        augmenter._validate_params()
        return augmenter
    raise ValueError(f"malformed tagged value with keys {sorted(value)}.")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def _digest(text, weights):
    """SHA-256 of the JSON document and every weight (name, dtype, shape, bytes)."""
    sha = hashlib.sha256(text.encode("utf-8"))
    for name in sorted(weights):
        tensor = weights[name].detach().cpu().contiguous()
        sha.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        sha.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def save_model(estimator, path):
    """Save a fitted :class:`~sklstm.LSTMSequenceClassifier` safely.

    The file stores the architecture the network was trained with (which a
    ``warm_start`` fit keeps even after ``set_params`` changed the shape
    parameters), so :func:`load_model` gives a model whose predictions are
    bit-identical to those of the model saved.

    Parameters
    ----------
    estimator : LSTMSequenceClassifier
        Fitted. Its hyper-parameters must be plain values or sklstm augmenters
        (a callable ``scoring`` or a ``RandomState`` instance cannot be stored).
    path : str, path-like or binary file object
        Destination file. A file at ``path`` is replaced only once the new
        one is completely written (a temporary file in the same folder, then
        an atomic rename), so a failed save leaves it as it was, and a reader
        sees either the old model or the new one. A file object (``open(...,
        "wb")``, :class:`io.BytesIO`) receives the bytes as they are. The
        optimizer state is not saved: a loaded model predicts, and continues
        training with a fresh optimizer.

    Raises
    ------
    OSError
        If the file cannot be written (missing folder: ``FileNotFoundError``;
        a full disk, no permission); the message names ``path``.

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
    spec = getattr(estimator.module_, "spec", None)
    if spec is None:
        raise ValueError(
            "This model's network was built by an older sklstm and does not "
            "record its architecture; refit it before saving."
        )
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sklstm_version": sklstm.__version__,
        "params": _encode(estimator.get_params(deep=False), "parameter"),
        "architecture": spec.to_dict(),
        "attributes": {
            name: _encode(getattr(estimator, name), name)
            for name in _ATTRIBUTES
            if hasattr(estimator, name)
        },
    }
    text = json.dumps(document)
    weights = {k: v.detach().cpu() for k, v in estimator.module_.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(
        {"sklstm": text, "weights": weights, "sha256": _digest(text, weights)}, buffer
    )
    if hasattr(path, "write"):
        path.write(buffer.getvalue())
    else:
        _replace_file(Path(path), buffer.getvalue())


def _replace_file(path, data):
    """Write ``data`` to ``path`` through a temporary file in its folder and an
    atomic rename: ``path`` is either untouched or the complete new file."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        # os.open's mode goes through the umask, as a plain open's does.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise type(exc)(
            exc.errno, f"Could not save the model to {path}: {exc.strerror}", str(path)
        ) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def load_model(path):
    """Load a classifier written by :func:`save_model`, running no code from it.

    Parameters
    ----------
    path : str, path-like or binary file object
        A file written by :func:`save_model`, or a file object open for
        reading its bytes (``open(..., "rb")``, :class:`io.BytesIO`).

    Returns
    -------
    estimator : LSTMSequenceClassifier
        Fitted, on the CPU (``device_ == 'cpu'``), with the architecture and
        weights that were saved.

    Raises
    ------
    ValueError
        If the file is not an sklstm model file, is damaged (truncated, or
        its content does not match its SHA-256 checksum), holds a malformed
        document (unknown or missing entries, parameters ``fit`` would reject,
        attributes of the wrong type), or was written in a format version this
        sklstm cannot read.
    """
    data, path = _read(path)
    document, weights = _verified(data, path)
    try:
        return _rebuild(document, weights)
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        IndexError,
        RecursionError,
        OverflowError,
        RuntimeError,
    ) as exc:
        raise ValueError(f"{path} holds a malformed sklstm model: {exc}") from exc


def _read(path):
    """The bytes of ``path`` (a path or a binary file object) and the name
    the messages give it."""
    if hasattr(path, "read"):
        data = None if isinstance(path, io.TextIOBase) else path.read()
        if not isinstance(data, bytes):
            raise TypeError(
                "load_model reads a binary file object (open(path, 'rb'));"
                f" this one is {type(path).__name__}."
            )
        path = getattr(path, "name", "The file object")  # for the messages
    else:
        data = Path(path).read_bytes()  # a missing file stays a FileNotFoundError
    return data, path


def _verified(data, path):
    """The JSON document and weights of a model file's bytes, checked as far
    as the file itself goes: readable, intact, of a format version this
    sklstm reads."""
    try:
        content = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(
            f"{path} is not an sklstm model file, or is damaged (truncated or "
            f"altered): {exc}"
        ) from exc
    if not isinstance(content, dict) or not isinstance(content.get("sklstm"), str):
        raise ValueError(f"{path} is not an sklstm model file.")
    text, weights = content["sklstm"], content.get("weights")
    if not isinstance(weights, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in weights.items()
    ):
        raise ValueError(f"{path} is damaged: its weights are not a set of tensors.")
    if "sha256" in content and content["sha256"] != _digest(text, weights):
        raise ValueError(
            f"{path} is damaged: its content does not match the SHA-256 checksum "
            "it was saved with."
        )
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(
            f"{path} is damaged: its document is not JSON ({exc})."
        ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        raise ValueError(f"{path} holds {found!r}, not {FORMAT!r}.")
    version = document.get("format_version")
    readable = [*sorted(_UPGRADES), FORMAT_VERSION]
    if version not in readable:
        raise ValueError(
            f"{path} was written in sklstm model format version {version} (by "
            f"sklstm {document.get('sklstm_version')}); this sklstm "
            f"({sklstm.__version__}) reads versions "
            f"{', '.join(map(str, readable))}. Load it with a "
            "matching sklstm release."
        )
    if "sha256" not in content:
        raise ValueError(f"{path} is damaged: its SHA-256 checksum is missing.")
    return document, weights


def _rebuild(document, weights):
    """The fitted estimator a checked document and its weights describe."""
    expected = {"format", "format_version", "sklstm_version"}
    expected |= {"params", "architecture", "attributes"}
    check_names("document entries", set(document), expected, expected)

    params = _decode(document["params"])
    if not isinstance(params, dict):
        raise ValueError("the parameters are not a mapping.")
    upgrade = _UPGRADES.get(document["format_version"], {})
    params = {**upgrade.get("params", {}), **params}
    names = set(LSTMSequenceClassifier().get_params(deep=False))
    check_names("parameters", set(params), names, names)
    estimator = LSTMSequenceClassifier(**params)
    estimator._validate_params()  # as fit does: InvalidParameterError

    attributes = _decode(document["attributes"])
    if not isinstance(attributes, dict):
        raise ValueError("the attributes are not a mapping.")
    required = set(_REQUIRED)
    if estimator.embedding_dim is not None:
        required.add("vocabulary_")
    check_names("fitted attributes", set(attributes), set(_ATTRIBUTES), required)
    for name, value in attributes.items():
        if not _ATTRIBUTES[name](value):
            raise ValueError(f"attribute {name} = {value!r} is not valid.")

    architecture = document["architecture"]
    if isinstance(architecture, dict):
        architecture = {**upgrade.get("architecture", {}), **architecture}
    spec = NetworkSpec.from_dict(architecture)
    vocabulary = attributes.get("vocabulary_")
    if vocabulary is not None and spec.n_embeddings != len(vocabulary) + 2:
        # One row per id, plus padding and unknown tokens.
        raise ValueError("the embedding table does not match vocabulary_.")
    n_classes = len(attributes["classes_"])
    if spec.n_classes != n_classes:
        raise ValueError("the network's outputs do not match classes_.")
    for name in ("effective_prior_", "target_prior_"):
        if attributes[name] is not None and len(attributes[name]) != n_classes:
            raise ValueError(f"{name} does not have one entry per class.")
    with torch.device("meta"):  # shapes only: no memory for absurd sizes
        shapes = {k: v.shape for k, v in LSTMNetwork(spec).state_dict().items()}
    if shapes != {k: v.shape for k, v in weights.items()}:
        raise ValueError("the weights do not fit the stored architecture.")

    module = LSTMNetwork(spec)
    module.load_state_dict(weights)
    for name, value in attributes.items():
        setattr(estimator, name, value)
    estimator.module_ = module
    estimator.device_ = "cpu"
    return estimator
