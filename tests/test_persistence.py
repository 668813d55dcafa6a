"""Safe persistence: files run no code, load as trained, and refuse damage."""

import json

import numpy as np
import pytest
import torch
from conftest import FAST, mean_sign_task

from sklstm import LSTMSequenceClassifier
from sklstm.persistence import _digest, load_model, save_model


def rewrite(source, target, edit):
    """Copy a model file, changing its document with ``edit`` (in place) and
    writing a matching checksum: a well-formed file with malformed content."""
    content = torch.load(source, weights_only=True)
    document = json.loads(content["sklstm"])
    edit(document)
    content["sklstm"] = json.dumps(document)
    content["sha256"] = _digest(content["sklstm"], content["weights"])
    torch.save(content, target)


def test_save_and_load_round_trip(tmp_path):
    from sklstm.augmentation import ChainAugmenter, GaussianNoise, TimeWarp

    X, y = mean_sign_task()
    labels = np.array(["no", "yes"])[y]
    clf = LSTMSequenceClassifier(
        **FAST,
        class_weight={"no": 1.0, "yes": 2.0},
        augment=ChainAugmenter([TimeWarp(sigma=0.1), GaussianNoise()]),
        early_stopping=True,
        bidirectional=True,
        num_layers=2,
    ).fit(X, labels)
    save_model(clf, tmp_path / "model.sklstm")
    restored = load_model(tmp_path / "model.sklstm")
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.classes_, clf.classes_)
    assert restored.history_ == clf.history_
    assert restored.get_params()["class_weight"] == {"no": 1.0, "yes": 2.0}
    assert isinstance(restored.augment, ChainAugmenter)
    assert restored.best_epoch_ == clf.best_epoch_
    restored.set_params(warm_start=True, max_epochs=1).fit(X, labels)
    assert restored.n_epochs_ == clf.n_epochs_ + 1


@pytest.mark.parametrize(
    ("fixed_length", "min_token_count"), [(False, 2), (True, 2), (False, 10**6)]
)
@pytest.mark.filterwarnings("ignore:No token id occurs")
def test_save_and_load_token_model(tmp_path, fixed_length, min_token_count):
    rng = np.random.RandomState(0)
    X = [
        rng.randint(1, 20, size=6 if fixed_length else rng.randint(2, 9))
        for _ in range(60)
    ]
    X[0][0] = 1000  # seen once: unknown
    y = np.array([int(7 in x) for x in X])
    clf = LSTMSequenceClassifier(
        **FAST, embedding_dim=4, min_token_count=min_token_count
    ).fit(X, y)
    assert (clf.module_.positions is not None) is fixed_length
    assert 1000 not in clf.vocabulary_
    save_model(clf, tmp_path / "tokens.sklstm")
    restored = load_model(tmp_path / "tokens.sklstm")
    np.testing.assert_array_equal(restored.vocabulary_, clf.vocabulary_)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_load_rejects_foreign_and_future_files(tmp_path):

    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    path = tmp_path / "model.sklstm"
    save_model(clf, path)
    rewrite(path, tmp_path / "future.sklstm", lambda d: d.update(format_version=99))
    with pytest.raises(ValueError, match=r"format version 99.*reads versions 5, 6"):
        load_model(tmp_path / "future.sklstm")
    (tmp_path / "junk.sklstm").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not an sklstm model file"):
        load_model(tmp_path / "junk.sklstm")
    torch.save({"weights": {}}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not an sklstm model file"):
        load_model(tmp_path / "other.pt")


def test_load_runs_no_code(tmp_path):
    """A pickle that would run code on load is refused by weights_only."""
    import pickle

    class Exploit:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.sklstm"
    with path.open("wb") as f:
        pickle.dump({"sklstm": Exploit()}, f)
    with pytest.raises(ValueError, match="not an sklstm model file"):
        load_model(path)


def test_unsafe_parameters_cannot_be_saved(tmp_path):
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(
        **dict(FAST, random_state=np.random.RandomState(0))
    ).fit(X, y)
    with pytest.raises(ValueError, match=r"random_state.*cannot be stored safely"):
        save_model(clf, tmp_path / "model.sklstm")
    with pytest.raises(ValueError, match="not fitted"):
        save_model(LSTMSequenceClassifier(), tmp_path / "model.sklstm")


@pytest.mark.parametrize(
    "change",
    [
        dict(hidden_size=16),
        dict(pooling="attention"),
        dict(conv_stride=3),
        dict(fcn_width=None, num_layers=2, bidirectional=True),
    ],
)
def test_a_warm_started_model_loads_as_trained_after_set_params(tmp_path, change):
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST, warm_start=True, conv_layers=1).fit(X, y)
    clf.set_params(**change, max_epochs=1).fit(X, y)  # keeps the first shape
    save_model(clf, tmp_path / "model.sklstm")
    restored = load_model(tmp_path / "model.sklstm")
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.module_.spec == clf.module_.spec
    assert restored.get_params()["hidden_size"] == clf.hidden_size


def saved_model(tmp_path):
    X, y = mean_sign_task(n=40)
    clf = LSTMSequenceClassifier(
        hidden_size=4, max_epochs=1, fcn_width=8, random_state=0
    ).fit(X, y)
    path = tmp_path / "model.sklstm"
    save_model(clf, path)
    return clf, X, path


def test_truncated_files_are_damaged_not_torch_errors(tmp_path):
    _, _, path = saved_model(tmp_path)
    data = path.read_bytes()
    cuts = np.unique(np.linspace(0, len(data) - 1, 60).astype(int))
    for cut in cuts:
        (tmp_path / "cut.sklstm").write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"damaged|not an sklstm model file"):
            load_model(tmp_path / "cut.sklstm")


def test_flipped_bytes_never_load_as_a_different_model(tmp_path):
    clf, X, path = saved_model(tmp_path)
    data = path.read_bytes()
    expected = clf.predict_proba(X)
    caught = 0
    positions = np.unique(np.linspace(0, len(data) - 1, 400).astype(int))
    for position in positions:
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        (tmp_path / "flipped.sklstm").write_bytes(bytes(flipped))
        try:
            restored = load_model(tmp_path / "flipped.sklstm")
        except ValueError:
            caught += 1
            continue
        # A flip in bytes nothing reads (zip alignment padding) is harmless.
        np.testing.assert_array_equal(restored.predict_proba(X), expected)
    assert caught > 0.5 * len(positions)


def test_a_flip_inside_the_weights_is_caught_by_the_checksum(tmp_path):
    _, _, path = saved_model(tmp_path)
    content = torch.load(path, weights_only=True)
    content["weights"]["head.bias"][0] += 1e-6  # what a flipped mantissa bit does
    torch.save(content, tmp_path / "altered.sklstm")
    with pytest.raises(ValueError, match=r"damaged.*SHA-256"):
        load_model(tmp_path / "altered.sklstm")


def nested(depth):
    value = 0
    for _ in range(depth):
        value = [value]
    return value


def set_param(name, value):
    return lambda d: d["params"].update({name: value})


def set_attribute(name, value):
    return lambda d: d["attributes"].update({name: value})


def drop(*keys):
    def edit(document):
        part = document
        for key in keys[:-1]:
            part = part[key]
        del part[keys[-1]]

    return edit


MALFORMED = {
    "hidden_size=-1": set_param("hidden_size", -1),
    "pooling='evil'": set_param("pooling", "evil"),
    "unknown parameter": set_param("evil", 1),
    "missing parameter": drop("params", "hidden_size"),
    "class_weight wrong type": set_param("class_weight", 3),
    "unknown augmenter": set_param("augment", {"__augmenter__": "os", "params": {}}),
    "augmenter bad params": set_param(
        "augment", {"__augmenter__": "GaussianNoise", "params": {"sigma": -1}}
    ),
    "attribute _parameter_constraints": set_attribute("_parameter_constraints", {}),
    "attribute predict": set_attribute("predict", 1),
    "missing classes_": drop("attributes", "classes_"),
    "missing architecture": drop("architecture"),
    "n_channels_ as text": set_attribute("n_channels_", "2"),
    "classes_ a number": set_attribute("classes_", 5),
    "classes_ unsorted": set_attribute(
        "classes_", {"__ndarray__": [1, 0], "dtype": "<i8"}
    ),
    "history_ text": set_attribute("history_", "x"),
    "array of bytes dtype": set_attribute(
        "classes_", {"__ndarray__": [0, 1], "dtype": "V8"}
    ),
    "deep nesting": set_param("class_weight", nested(100_000)),
    "architecture hidden_size": lambda d: d["architecture"].update(hidden_size=9),
    "architecture huge": lambda d: d["architecture"].update(hidden_size=10**12),
    "architecture pooling": lambda d: d["architecture"].update(pooling="evil"),
    "architecture extra key": lambda d: d["architecture"].update(evil=1),
    "architecture positions without tokens": lambda d: d["architecture"].update(
        n_positions=5
    ),
    "tag with extra keys": set_param("class_weight", {"__pairs__": [], "evil": 1}),
    "document a list": lambda d: d.clear(),
}


@pytest.mark.parametrize("edit", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_documents_are_value_errors(tmp_path, edit):
    _, _, path = saved_model(tmp_path)
    if edit is MALFORMED["deep nesting"]:
        target = tmp_path / "bad.sklstm"
        content = torch.load(path, weights_only=True)
        text = content["sklstm"].replace(
            '"class_weight": null', '"class_weight": ' + "[" * 100_000 + "]" * 100_000
        )
        content["sklstm"] = text
        content["sha256"] = _digest(text, content["weights"])
        torch.save(content, target)
    else:
        rewrite(path, tmp_path / "bad.sklstm", edit)
    with pytest.raises(ValueError):
        load_model(tmp_path / "bad.sklstm")


def test_a_vocabulary_that_does_not_fit_the_embedding_is_malformed(tmp_path):
    X = [np.array([1, 2, 3]), np.array([2, 3, 4]), np.array([1, 4])] * 10
    clf = LSTMSequenceClassifier(**FAST, embedding_dim=4).fit(X, np.arange(30) % 2)
    save_model(clf, tmp_path / "tokens.sklstm")
    shorter = {"__ndarray__": [1, 2, 3], "dtype": "<i8"}
    rewrite(
        tmp_path / "tokens.sklstm",
        tmp_path / "bad.sklstm",
        set_attribute("vocabulary_", shorter),
    )
    with pytest.raises(ValueError, match="does not match vocabulary_"):
        load_model(tmp_path / "bad.sklstm")


@pytest.mark.parametrize("tag", ["__ndarray__", "__pairs__", "__augmenter__"])
def test_labels_that_look_like_encoding_tags_round_trip(tmp_path, tag):
    X, y = mean_sign_task()
    labels = np.array([tag, "plain"])[y]
    clf = LSTMSequenceClassifier(**FAST, class_weight={tag: 2.0, "plain": 1.0})
    clf.fit(X, labels)
    save_model(clf, tmp_path / "model.sklstm")
    restored = load_model(tmp_path / "model.sklstm")
    np.testing.assert_array_equal(restored.classes_, clf.classes_)
    assert restored.class_weight == {tag: 2.0, "plain": 1.0}
    assert restored.history_ == clf.history_
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


@pytest.mark.parametrize("tokens", [False, True])
def test_every_fitted_attribute_is_saved(tmp_path, tokens):
    from sklstm.persistence import _ATTRIBUTES

    X, y = mean_sign_task()
    if tokens:
        X = [np.arange(1, 3 + i % 5) + 10 * label for i, label in enumerate(y)]
    clf = LSTMSequenceClassifier(**FAST, embedding_dim=4 if tokens else None)
    clf.fit(X, y)
    torch_state = {"module_", "optimizer_", "device_"}
    fitted = {k for k in vars(clf) if k.endswith("_") and not k.startswith("_")}
    assert fitted - torch_state <= set(_ATTRIBUTES)
    save_model(clf, tmp_path / "model.sklstm")
    restored = load_model(tmp_path / "model.sklstm")
    assert {k for k in vars(restored) if k.endswith("_")} == fitted - {"optimizer_"}
    assert restored.resolved_params_ == clf.resolved_params_
    assert "pooling" in restored.resolved_params_


def test_files_of_format_5_load_and_predict_as_saved():
    """``tests/data/format5.sklstm`` was saved by sklstm at format version 5
    (before ``downsample``): ``LSTMSequenceClassifier(hidden_size=4,
    fcn_width=4, max_epochs=3, random_state=0)`` fitted on ``X`` below."""
    from pathlib import Path

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    restored = load_model(Path(__file__).parent / "data" / "format5.sklstm")
    assert restored.downsample == 1
    assert restored.module_.spec.downsample == 1
    # Fitted before a converged fit stopped early: a refit trains as it did.
    assert restored.convergence_loss is None
    expected = [
        [0.56801359, 0.43198641],
        [0.63863376, 0.36136624],
        [0.57528575, 0.42471425],
        [0.56998022, 0.43001978],
        [0.54402156, 0.45597844],
    ]
    np.testing.assert_allclose(restored.predict_proba(X[:5]), expected, atol=1e-7)


def test_files_of_format_6_load_and_predict_as_saved():
    """``tests/data/format6.sklstm`` was saved by sklstm at format version 6
    (before ``convergence_loss``): ``LSTMSequenceClassifier(hidden_size=4,
    fcn_width=4, max_epochs=3, random_state=0)`` fitted on ``X`` below and
    ``y = X[:, :, 0].mean(axis=1) > 0``."""
    from pathlib import Path

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    restored = load_model(Path(__file__).parent / "data" / "format6.sklstm")
    assert restored.convergence_loss is None
    assert restored.n_epochs_ == 3
    expected = [
        [0.5968406, 0.4031594],
        [0.68622915, 0.31377085],
        [0.63075569, 0.36924431],
        [0.61152987, 0.38847013],
        [0.57782024, 0.42217976],
    ]
    np.testing.assert_allclose(restored.predict_proba(X[:5]), expected, atol=1e-7)


def test_files_of_format_7_load_with_early_stopping_as_it_was():
    """``tests/data/format7.sklstm`` was saved by sklstm at format version 7
    (before ``refit``): ``LSTMSequenceClassifier(hidden_size=4, fcn_width=4,
    max_epochs=3, early_stopping=True, random_state=0)`` fitted on ``X`` below
    and ``y = X[:, :, 0].mean(axis=1) > 0``. Its early stopping restored the
    best epoch, so it loads with ``refit=False``."""
    from pathlib import Path

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    restored = load_model(Path(__file__).parent / "data" / "format7.sklstm")
    assert restored.early_stopping and restored.refit is False
    assert restored.n_epochs_ == restored.best_epoch_ == 3
    expected = [
        [0.5330733807838216, 0.4669266192161784],
        [0.5813412603168392, 0.4186587396831608],
        [0.5714993654120423, 0.4285006345879577],
        [0.5248872236202522, 0.4751127763797477],
        [0.5188085920849458, 0.4811914079150542],
    ]
    np.testing.assert_allclose(restored.predict_proba(X[:5]), expected, atol=1e-7)


def test_files_of_format_8_load_with_their_refit_as_saved():
    """``tests/data/format8.sklstm`` was saved by sklstm at format version 8
    (2658749, before the network's description became ``NetworkSpec``):
    ``LSTMSequenceClassifier(hidden_size=4, fcn_width=4, max_epochs=3,
    early_stopping=True, random_state=0)`` fitted on ``X`` below and
    ``y = X[:, :, 0].mean(axis=1) > 0``: 3 epochs, then the refit's 3."""
    from pathlib import Path

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    restored = load_model(Path(__file__).parent / "data" / "format8.sklstm")
    assert restored.early_stopping and restored.refit
    assert restored.n_epochs_ == restored.best_epoch_ == 6
    assert restored.module_.spec.fcn_widths == (4, 8, 4)
    assert restored.resolved_params_["learning_rate"] == 0.01
    expected = [
        [0.5442069356246666, 0.4557930643753333],
        [0.5998504564734561, 0.4001495435265439],
        [0.5936471787991967, 0.40635282120080335],
        [0.5409504349234109, 0.45904956507658906],
        [0.5351793111397559, 0.4648206888602441],
    ]
    np.testing.assert_allclose(restored.predict_proba(X[:5]), expected, atol=1e-7)


def test_a_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    import errno
    import os

    X, y = mean_sign_task()
    old = LSTMSequenceClassifier(**FAST).fit(X, y)
    path = tmp_path / "model.sklstm"
    save_model(old, path)
    before = path.read_bytes()

    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    new = LSTMSequenceClassifier(**dict(FAST, random_state=1)).fit(X, y)
    with pytest.raises(OSError, match=r"Could not save the model to .*model\.sklstm"):
        save_model(new, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.sklstm"]  # no leftovers
    np.testing.assert_array_equal(load_model(path).predict(X), old.predict(X))


def test_saving_into_a_missing_folder_names_it(tmp_path):
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    with pytest.raises(FileNotFoundError, match="missing"):
        save_model(clf, tmp_path / "missing" / "model.sklstm")


def test_file_objects_save_and_load(tmp_path):
    import io

    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    buffer = io.BytesIO()
    save_model(clf, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(
        load_model(buffer).predict_proba(X), clf.predict_proba(X)
    )
    with open(tmp_path / "model.sklstm", "wb") as file:
        save_model(clf, file)
    with open(tmp_path / "model.sklstm", "rb") as file:
        np.testing.assert_array_equal(load_model(file).predict(X), clf.predict(X))
    with pytest.raises(ValueError, match=r"model\.sklstm is not an sklstm model"):
        with open(tmp_path / "model.sklstm", "rb") as file:
            file.read(10)
            load_model(file)  # the rest of a file is not a model file
    with open(tmp_path / "model.sklstm") as text:
        with pytest.raises(TypeError, match="binary file object"):
            load_model(text)


def test_readers_never_see_a_damaged_file_while_it_is_replaced(tmp_path):
    import threading

    X, y = mean_sign_task()
    models = [
        LSTMSequenceClassifier(**dict(FAST, random_state=s)).fit(X, y) for s in (0, 1)
    ]
    expected = [m.predict_proba(X[:20]) for m in models]
    path = tmp_path / "model.sklstm"
    save_model(models[0], path)
    done, seen, errors = threading.Event(), [], []

    def read():
        while not done.is_set():
            try:
                proba = load_model(path).predict_proba(X[:20])
            except Exception as exc:  # any failure is the finding
                errors.append(exc)
                return
            seen.append(any(np.array_equal(proba, e) for e in expected))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    for i in range(60):
        save_model(models[i % 2], path)
    done.set()
    for reader in readers:
        reader.join()
    assert errors == []
    assert seen and all(seen)
