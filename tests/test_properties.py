"""Property-based tests: valid input always fits, invalid input always fails
with the documented error, samplers and augmenters keep their promises."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sklstm import LSTMSequenceClassifier
from sklstm.augmentation import (
    ChainAugmenter,
    GaussianNoise,
    GaussianSmoothing,
    MagnitudeWarp,
    RandomScaling,
    TimeWarp,
    WindowSlice,
)
from sklstm.exceptions import CollapseWarning
from sklstm.resampling import (
    AugmentationSampler,
    SequenceRandomOverSampler,
    SequenceRandomUnderSampler,
    SequenceSMOTE,
)

TINY = dict(hidden_size=2, max_epochs=1, batch_size=8, random_state=0)


@st.composite
def labels(draw, min_size=2, max_size=30):
    """Labels of 2-10 classes (ints or strings), every class present, with
    shapes from balanced to a single minority sample."""
    n_classes = draw(st.integers(2, 10))
    n = draw(st.integers(max(min_size, n_classes), max(max_size, n_classes)))
    codes = np.concatenate(
        [
            np.arange(n_classes),
            draw(
                st.lists(
                    st.integers(0, n_classes - 1),
                    min_size=n - n_classes,
                    max_size=n - n_classes,
                )
            ),
        ]
    )
    codes = np.array(draw(st.permutations(codes.tolist())))
    if draw(st.booleans()):
        return np.array([f"class {c}" for c in codes])
    return codes * draw(st.sampled_from([1, 7, -3]))


@st.composite
def fixed_sequences(draw):
    y = draw(labels())
    steps, channels = draw(st.integers(1, 8)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**16))
    X = np.random.RandomState(seed).normal(size=(len(y), steps, channels))
    if channels == 1 and draw(st.booleans()):
        X = X[:, :, 0]
    return X.astype(draw(st.sampled_from([np.float32, np.float64]))), y


@st.composite
def ragged_sequences(draw, min_size=2):
    y = draw(labels(min_size=min_size))
    channels = draw(st.integers(1, 3))
    lengths = draw(st.lists(st.integers(1, 8), min_size=len(y), max_size=len(y)))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    return [rng.normal(size=(t, channels)) for t in lengths], y


def check_predictions(clf, X, y):
    proba = clf.predict_proba(X)
    n_classes = len(np.unique(y))
    assert proba.shape == (len(y), n_classes)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= set(np.unique(y))


@pytest.mark.slow
@given(data=fixed_sequences(), early_stopping=st.booleans(), data_obj=st.data())
def test_fixed_length_input_always_fits(data, early_stopping, data_obj):
    X, y = data
    weights = None
    if data_obj.draw(st.booleans()):
        weights = np.array(
            data_obj.draw(
                st.lists(
                    st.sampled_from([0.0, 0.5, 1.0, 3.0]),
                    min_size=len(y),
                    max_size=len(y),
                )
            )
        )
        weights[0] = 1.0  # not all zero
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (CollapseWarning, UserWarning))
        clf = LSTMSequenceClassifier(**TINY, early_stopping=early_stopping)
        clf.fit(X, y, sample_weight=weights)
    check_predictions(clf, X, y)


@pytest.mark.slow
@given(
    data=ragged_sequences(),
    bidirectional=st.booleans(),
    pooling=st.sampled_from(["last", "mean", "max"]),
)
def test_ragged_input_always_fits(data, bidirectional, pooling):
    X, y = data
    clf = LSTMSequenceClassifier(**TINY, bidirectional=bidirectional, pooling=pooling)
    clf.fit(X, y)
    check_predictions(clf, X, y)


@given(
    data=fixed_sequences(),
    where=st.floats(0, 1),
    value=st.sampled_from([np.nan, np.inf, -np.inf]),
)
def test_non_finite_values_are_always_rejected(data, where, value):
    X, y = data
    X = X.copy()
    X.flat[int(where * (X.size - 1))] = value
    with pytest.raises(ValueError, match=r"NaN|infinity"):
        LSTMSequenceClassifier(**TINY).fit(X, y)


@given(data=ragged_sequences(), where=st.floats(0, 1))
def test_empty_sequences_are_always_rejected(data, where):
    X, y = data
    i = int(where * (len(X) - 1))
    X[i] = X[i][:0]
    with pytest.raises(ValueError, match=f"Sequence {i} of X has length 0"):
        LSTMSequenceClassifier(**TINY).fit(X, y)


@given(data=fixed_sequences())
def test_a_single_class_is_always_rejected(data):
    X, y = data
    with pytest.raises(ValueError, match="only one class"):
        LSTMSequenceClassifier(**TINY).fit(X, np.full(len(y), y[0]))


@given(
    data=ragged_sequences(),
    ragged_input=st.booleans(),
    sampler=st.sampled_from(["over", "under", "augment", "smote"]),
)
def test_samplers_keep_their_promised_class_counts(data, ragged_input, sampler):
    X, y = data
    counts = dict(zip(*np.unique(y, return_counts=True), strict=True))
    if not ragged_input or sampler == "smote":
        X = np.stack([np.resize(x, (4, x.shape[1])) for x in X])
    assume(sampler != "smote" or min(counts.values()) >= 2)
    est = {
        "over": SequenceRandomOverSampler(random_state=0),
        "under": SequenceRandomUnderSampler(random_state=0),
        "augment": AugmentationSampler(GaussianNoise(), random_state=0),
        "smote": SequenceSMOTE(k_neighbors=1, random_state=0),
    }[sampler]
    X_res, y_res = est.fit_resample(X, y)
    res = dict(zip(*np.unique(y_res, return_counts=True), strict=True))
    target = min(counts.values()) if sampler == "under" else max(counts.values())
    assert res == dict.fromkeys(counts, target)
    assert len(X_res) == len(y_res)


AUGMENTERS = [
    GaussianNoise(random_state=0),
    RandomScaling(random_state=0),
    MagnitudeWarp(random_state=0),
    GaussianSmoothing(),
    TimeWarp(random_state=0),
    WindowSlice(ratio=0.5, random_state=0),
    ChainAugmenter([TimeWarp(), WindowSlice()], random_state=0),
]


@given(data=ragged_sequences(min_size=1), index=st.integers(0, len(AUGMENTERS) - 1))
def test_augmenters_keep_lengths_and_stay_finite(data, index):
    X, _ = data
    out = AUGMENTERS[index].fit_transform(X)
    assert [x.shape for x in out] == [x.shape for x in X]
    assert all(np.all(np.isfinite(x)) for x in out)
