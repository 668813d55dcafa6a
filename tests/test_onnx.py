"""sklstm.onnx: the exported graph computes what predict and predict_proba do."""

import numpy as np
import pytest
from conftest import FAST, mean_sign_task, ragged_task
from imblearn.pipeline import make_pipeline
from sklearn.pipeline import make_pipeline as make_sklearn_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import LSTMSequenceClassifier
from sklstm.augmentation import GaussianNoise
from sklstm.preprocessing import SequenceImputer, SequenceScaler, TextSequencer
from sklstm.resampling import SequenceRandomOverSampler

ort = pytest.importorskip("onnxruntime")
sklstm_onnx = pytest.importorskip("sklstm.onnx")
to_onnx, onnx_inputs = sklstm_onnx.to_onnx, sklstm_onnx.onnx_inputs

TINY = dict(FAST, max_epochs=2)


def session(model):
    return ort.InferenceSession(
        to_onnx(model).SerializeToString(), providers=["CPUExecutionProvider"]
    )


def assert_same(model, X, sess=None):
    """The graph's label and probabilities equal predict / predict_proba."""
    sess = sess or session(model)
    label, proba = sess.run(None, onnx_inputs(model, X))
    np.testing.assert_array_equal(label, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-5)
    return label, proba


def ragged_and_fixed(channels=2, seed=0):
    X, y = ragged_task(n=60, seed=seed, channels=channels)
    X_fixed, y_fixed = mean_sign_task(n=60, channels=channels, seed=seed)
    return (X, y), (X_fixed, y_fixed)


@pytest.mark.parametrize(
    ("pooling", "bidirectional", "num_layers"),
    [
        ("last", False, 1),
        ("last", True, 2),
        ("mean", False, 3),
        ("mean", True, 1),
        ("max", False, 2),
        ("max", True, 3),
        ("attention", False, 1),
        ("attention", True, 2),
    ],
)
def test_every_architecture_exports_exactly(pooling, bidirectional, num_layers):
    params = dict(pooling=pooling, bidirectional=bidirectional, num_layers=num_layers)
    for X, y in ragged_and_fixed():
        clf = LSTMSequenceClassifier(**{**TINY, **params}).fit(X, y)
        assert_same(clf, X)


@pytest.mark.parametrize(
    "params",
    [
        dict(conv_layers=2, conv_kernel_size=3, conv_stride=2),
        dict(conv_layers=1, conv_kernel_size=4, conv_stride=3, pooling="mean"),
        dict(fcn_width=4),
        dict(fcn_width=4, conv_layers=1, bidirectional=True, pooling="max"),
        dict(normalize="sequence"),
        dict(class_weight="balanced", prior_correction=True),
        dict(prior_correction={0: 0.9, 1: 0.1}),
        dict(downsample=5),
        dict(downsample=3, fcn_width=4, conv_layers=1, normalize="sequence"),
    ],
    ids=[
        "conv",
        "conv-even-kernel",
        "fcn",
        "fcn-conv",
        "normalize",
        "prior",
        "dict",
        "downsample",
        "downsample-fcn-conv",
    ],
)
def test_front_ends_normalisation_and_priors_export_exactly(params):
    for X, y in ragged_and_fixed():
        clf = LSTMSequenceClassifier(**{**TINY, **params}).fit(X, y)
        assert_same(clf, X)


def test_a_pipeline_exports_without_its_training_only_steps():
    (X, y), (X_fixed, y_fixed) = ragged_and_fixed(channels=3)
    scale = np.array([1.0, 10.0, 100.0])
    for data, labels in ((X, y), (X_fixed, y_fixed)):
        data = [x * scale + 5 for x in data]
        pipe = make_pipeline(
            SequenceScaler(),
            SequenceRandomOverSampler(random_state=0),
            GaussianNoise(),
            "passthrough",
            LSTMSequenceClassifier(**TINY),
        ).fit(data, labels)
        assert_same(pipe, data)


def gaps(X, seed=0):
    """Copies of the sequences with NaN gaps: leading, inner and trailing,
    and one sequence's channel 0 missing throughout."""
    rng = np.random.RandomState(seed)
    out = [np.array(x, dtype=np.float32) for x in X]
    for x in out:
        x[rng.rand(*x.shape) < 0.3] = np.nan
    out[0][0], out[1][-1], out[2][:, 0] = np.nan, np.nan, np.nan
    return out


@pytest.mark.parametrize("strategy", ["ffill", "linear", "zero"])
@pytest.mark.parametrize("add_indicator", [False, True])
def test_the_imputer_exports_exactly(strategy, add_indicator):
    (X, y), (X_fixed, y_fixed) = ragged_and_fixed()
    for data, labels in ((gaps(X), y), (gaps(X_fixed), y_fixed)):
        pipe = make_pipeline(
            SequenceImputer(strategy=strategy, add_indicator=add_indicator),
            SequenceScaler(),
            LSTMSequenceClassifier(**TINY, pooling="mean"),
        ).fit(data, labels)
        sess = session(pipe)
        assert_same(pipe, data, sess)
        # What the padding holds, NaN included, never matters.
        feed = onnx_inputs(pipe, data)
        padding = np.arange(feed["X"].shape[1])[None, :] >= feed["lengths"][:, None]
        feed["X"][padding] = np.nan
        label, _ = sess.run(None, feed)
        np.testing.assert_array_equal(label, pipe.predict(data))


def test_token_ids_map_to_the_vocabulary_inside_the_graph():
    rng = np.random.default_rng(0)
    X = [rng.integers(100, 130, size=rng.integers(1, 15)) for _ in range(60)]
    y = np.array([int(np.any(x > 120)) for x in X])
    clf = LSTMSequenceClassifier(**TINY, embedding_dim=4).fit(X, y)
    # Unseen ids (out of vocabulary) in new data, and a fixed-length batch.
    X_new = [rng.integers(90, 140, size=rng.integers(1, 15)) for _ in range(40)]
    assert any(np.any((x < 100) | (x >= 130)) for x in X_new)
    assert_same(clf, X_new)
    assert_same(clf, np.stack([x[:1] for x in X_new]).repeat(5, axis=1))


def test_zero_padded_token_ids_are_read_as_predict_reads_them():
    rng = np.random.default_rng(0)
    X = [rng.integers(1, 30, size=rng.integers(1, 15)) for _ in range(60)]
    y = np.array([int(np.any(x > 20)) for x in X])
    clf = LSTMSequenceClassifier(**TINY, embedding_dim=4).fit(X, y)
    post, pre = np.zeros((60, 16), dtype=np.int64), np.zeros((60, 16), dtype=np.int64)
    for i, x in enumerate(X):
        post[i, : len(x)], pre[i, 16 - len(x) :] = x, x
    for padded in (post, pre, post.astype(np.float64), post[:, :, None]):
        label, _ = assert_same(clf, padded)
        np.testing.assert_array_equal(label, clf.predict(X))
    np.testing.assert_array_equal(onnx_inputs(clf, pre)["lengths"], [len(x) for x in X])
    # Without a lengths input, the graph reads 0 as padding itself.
    sess = ort.InferenceSession(to_onnx(clf, lengths=False).SerializeToString())
    for padded in (post, pre):
        label, proba = sess.run(None, {"X": padded})
        np.testing.assert_array_equal(label, clf.predict(X))
        np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-5)


@pytest.mark.filterwarnings("ignore:No token id occurs")
def test_a_model_whose_every_token_is_unknown():
    rng = np.random.default_rng(0)
    X = [rng.integers(1, 9, size=rng.integers(1, 15)) for _ in range(60)]
    y = np.array([len(x) > 7 for x in X]).astype(int)
    clf = LSTMSequenceClassifier(**TINY, embedding_dim=4, min_token_count=10**6)
    assert len(clf.fit(X, y).vocabulary_) == 0
    assert_same(clf, X)


def test_position_embedding_inside_the_graph():
    rng = np.random.default_rng(0)
    X = rng.integers(1, 6, size=(60, 8))
    y = (X[:, 2] == 5).astype(int)
    clf = LSTMSequenceClassifier(**TINY, embedding_dim=4).fit(X, y)
    assert clf.module_.positions is not None
    assert_same(clf, X)
    # Shorter and longer sequences (past the table: its last row).
    assert_same(clf, [rng.integers(1, 6, size=rng.integers(1, 14)) for _ in range(30)])


@pytest.mark.parametrize("labels", [["no", "yes"], [-3, 7], [0.0, 2.0], [False, True]])
def test_labels_come_out_as_predict_gives_them(labels):
    X, y = mean_sign_task(n=60)
    clf = LSTMSequenceClassifier(**TINY).fit(X, np.array(labels)[y])
    label, _ = assert_same(clf, X)
    expected = np.asarray(labels).dtype.kind
    assert label.dtype.kind == ("O" if expected == "U" else expected)  # str objects


@pytest.mark.parametrize(
    "params",
    [
        dict(pooling="last", bidirectional=True),
        dict(fcn_width=4, conv_layers=1),
        dict(fcn_width=4, downsample=3),
    ],
)
def test_padding_never_changes_an_output(params):
    X, y = ragged_task(n=40)
    clf = LSTMSequenceClassifier(**TINY, pooling="attention").set_params(**params)
    sess = session(clf.fit(X, y))
    inputs = onnx_inputs(clf, X)
    expected = sess.run(None, inputs)
    rng = np.random.default_rng(0)
    padded = rng.normal(size=(40, inputs["X"].shape[1] + 7, 2)).astype(np.float32)
    for i, x in enumerate(X):
        padded[i, : len(x)] = x  # junk, not zeros, after each sequence's end
    got = sess.run(None, {"X": padded, "lengths": inputs["lengths"]})
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_allclose(got[1], expected[1], rtol=0, atol=1e-6)


def test_a_graph_for_fixed_length_batches_needs_no_lengths():
    X, y = mean_sign_task(n=40)
    clf = LSTMSequenceClassifier(**TINY, pooling="max", conv_layers=1).fit(X, y)
    assert [i.name for i in to_onnx(clf).graph.input] == ["X", "lengths"]
    proto = to_onnx(clf, lengths=False)
    assert [i.name for i in proto.graph.input] == ["X"]
    sess = ort.InferenceSession(proto.SerializeToString())
    label, proba = sess.run(None, onnx_inputs(clf, X, lengths=False))
    np.testing.assert_array_equal(label, clf.predict(X))
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-5)


def test_what_cannot_be_exported_is_named():
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression

    X, y = mean_sign_task(n=40)
    with pytest.raises(NotFittedError):
        to_onnx(LSTMSequenceClassifier())
    with pytest.raises(ValueError, match="LogisticRegression"):
        to_onnx(LogisticRegression())
    pipe = make_pipeline(FunctionTransformer(), LSTMSequenceClassifier(**TINY))
    with pytest.raises(
        ValueError, match=r"'functiontransformer' \(FunctionTransformer\)"
    ):
        to_onnx(pipe.fit(X, y))
    texts = ["a b", "b c", "c a", "a a"] * 5
    pipe = make_pipeline(
        TextSequencer(), LSTMSequenceClassifier(**TINY, embedding_dim=2)
    )
    with pytest.raises(ValueError, match="TextSequencer"):
        to_onnx(pipe.fit(texts, [0, 1, 0, 1] * 5))
    clf = LSTMSequenceClassifier(**TINY).fit(X, y)
    clf.classes_ = np.array(["2026-01-01", "2026-01-02"], dtype="datetime64[D]")
    with pytest.raises(ValueError, match=r"datetime64.*cannot be exported"):
        to_onnx(clf)


@pytest.mark.parametrize(
    ("tokens", "layout"),
    [
        (False, "3-D float32"),
        (False, "3-D float64"),
        (False, "2-D float32"),
        (False, "2-D float64"),
        (False, "2-D float64, no scaler"),
        (False, "3-D float64, with gaps"),
        (False, "2-D float32, with gaps"),
        (True, "2-D int64"),
        (True, "2-D int64, 0-padded"),
        (True, "2-D float64, 0-padded"),
        (True, "3-D int64"),
    ],
)
def test_skl2onnx_converts_a_scikit_learn_pipeline(tokens, layout):
    skl2onnx = pytest.importorskip("skl2onnx")
    X, y = mean_sign_task(n=60, scale=3.0)
    labels = np.array(["low", "high"])[y]
    if tokens:
        X = np.abs(np.round(X[:, :, 0])).astype(np.int64) + 1
        if "0-padded" in layout:
            X[np.arange(60), np.arange(60) % X.shape[1]] = 0  # one gap a row
        pipe = make_sklearn_pipeline(LSTMSequenceClassifier(**TINY, embedding_dim=3))
    else:
        steps = [LSTMSequenceClassifier(**TINY, pooling="mean")]
        if "no scaler" not in layout:
            steps.insert(0, SequenceScaler())
        if "gaps" in layout:
            X = np.where((np.arange(X.shape[1]) % 3 == 1)[:, None], np.nan, X)
            steps.insert(0, SequenceImputer(strategy="linear", add_indicator=True))
        pipe = make_sklearn_pipeline(*steps)
    X = X.astype(np.float64 if "float64" in layout else X.dtype)
    if layout.startswith("2-D") and not tokens:
        X = X[:, :, 0]
    if layout.startswith("3-D") and tokens:
        X = X[:, :, None]
    pipe.fit(X, labels)
    proto = skl2onnx.to_onnx(pipe, X[:1])
    sess = ort.InferenceSession(
        proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    assert [o.name for o in sess.get_outputs()] == ["label", "probabilities"]
    label, proba = sess.run(None, {sess.get_inputs()[0].name: X})
    np.testing.assert_array_equal(label, pipe.predict(X))
    np.testing.assert_allclose(proba, pipe.predict_proba(X), rtol=0, atol=1e-5)
