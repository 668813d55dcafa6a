"""sklstm.preprocessing.SequenceImputer through its public API."""

import numpy as np
import pytest
from conftest import FAST, ragged_task
from imblearn.pipeline import make_pipeline

from sklstm import LSTMSequenceClassifier
from sklstm.preprocessing import SequenceImputer, SequenceScaler
from sklstm.resampling import SequenceSMOTE

NAN = np.nan


def with_gaps(X, rate=0.3, seed=0):
    """A copy of each sequence with a share of its values set to NaN."""
    rng = np.random.RandomState(seed)
    out = []
    for x in X:
        x = np.array(x, dtype=float)
        x[rng.rand(*x.shape) < rate] = NAN
        out.append(x)
    return out


def reference(x, strategy):
    """One channel filled step by step, the obvious way."""
    real = np.flatnonzero(~np.isnan(x))
    if len(real) == 0:
        return np.zeros_like(x)
    if strategy == "zero":
        return np.where(np.isnan(x), 0.0, x)
    if strategy == "linear":
        return np.interp(np.arange(len(x)), real, x[real])
    out = x.copy()
    last = x[real[0]]  # a leading gap takes the first real value
    for t in range(len(x)):
        last = x[t] if not np.isnan(x[t]) else last
        out[t] = last
    return out


@pytest.mark.parametrize("strategy", ["ffill", "linear", "zero"])
def test_each_channel_of_each_sequence_is_filled_from_itself(strategy):
    X, _ = ragged_task(n=40, channels=3)
    X = with_gaps(X, rate=0.4)
    X[0][:, 1] = NAN  # a channel without a real value in one sequence
    filled = SequenceImputer(strategy=strategy).fit_transform(X)
    assert isinstance(filled, list) and len(filled) == 40
    for x, f in zip(X, filled, strict=True):
        assert f.shape == x.shape and np.all(np.isfinite(f))
        for c in range(3):
            np.testing.assert_allclose(f[:, c], reference(x[:, c], strategy))
    np.testing.assert_array_equal(filled[0][:, 1], 0.0)


def test_examples_of_leading_inner_and_trailing_gaps():
    x = np.array([[NAN, 1.0, NAN, NAN, 4.0, NAN, NAN]])
    expected = {
        "ffill": [1, 1, 1, 1, 4, 4, 4],
        "linear": [1, 1, 2, 3, 4, 4, 4],
        "zero": [0, 1, 0, 0, 4, 0, 0],
    }
    for strategy, values in expected.items():
        out = SequenceImputer(strategy=strategy).fit_transform(x)
        np.testing.assert_array_equal(out, [values])


def test_fixed_length_layouts_and_dtypes_are_kept():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(10, 7, 2)).astype(np.float32)
    X[rng.rand(*X.shape) < 0.3] = NAN
    out = SequenceImputer(strategy="linear").fit_transform(X)
    assert out.shape == X.shape and out.dtype == np.float32
    assert not np.isnan(out).any()
    known = ~np.isnan(X)
    np.testing.assert_array_equal(out[known], X[known])
    univariate = SequenceImputer().fit_transform(X[:, :, 0])
    assert univariate.shape == (10, 7)


def test_indicator_channels_mark_the_gaps():
    X, _ = ragged_task(n=20, channels=2)
    X = with_gaps(X)
    imputer = SequenceImputer(add_indicator=True).fit(X)
    out = imputer.transform(X)
    for x, f in zip(X, out, strict=True):
        assert f.shape == (len(x), 4)
        np.testing.assert_array_equal(f[:, 2:], np.isnan(x).astype(float))
    assert imputer.get_feature_names_out().tolist() == [
        "channel0",
        "channel1",
        "missingindicator_channel0",
        "missingindicator_channel1",
    ]
    # Univariate sequences gain a channel: 2-D becomes 3-D, 1-D rows 2-D.
    fixed = np.array([[1.0, NAN, 3.0], [NAN, 5.0, 6.0]])
    np.testing.assert_array_equal(
        SequenceImputer(add_indicator=True).fit_transform(fixed),
        [[[1, 0], [1, 1], [3, 0]], [[5, 1], [5, 0], [6, 0]]],
    )
    rows = SequenceImputer(add_indicator=True).fit_transform([np.array([NAN, 2.0])])
    np.testing.assert_array_equal(rows[0], [[2, 1], [2, 0]])


def test_infinity_and_another_channel_count_are_refused():
    with pytest.raises(ValueError, match=r"infinity \(in sequence 1\)"):
        SequenceImputer().fit([np.ones(3), np.array([1.0, np.inf])])
    with pytest.raises(ValueError, match=r"infinity \(in sequence 0\)"):
        SequenceImputer().fit(np.array([[1.0, -np.inf, NAN]]))
    imputer = SequenceImputer().fit(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match="3"):
        imputer.transform(np.ones((2, 4, 2)))


def test_the_classifiers_nan_error_names_the_imputer_and_the_pipeline_fits():
    X, y = ragged_task(n=60)
    X = with_gaps(X, rate=0.2)
    with pytest.raises(ValueError, match="SequenceImputer"):
        LSTMSequenceClassifier(**FAST).fit(X, y)
    pipe = make_pipeline(
        SequenceImputer(strategy="linear", add_indicator=True),
        SequenceScaler(),
        SequenceSMOTE(distance="dtw", random_state=0),
        LSTMSequenceClassifier(**FAST),
    ).fit(X, y)
    assert pipe[-1].n_channels_ == 4
    assert pipe.predict(X).shape == (60,)
