"""Samplers, scaler and classifier composed by imbalanced-learn and scikit-learn."""

import conftest
import numpy as np
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from sklstm import LSTMSequenceClassifier
from sklstm.preprocessing import SequenceScaler
from sklstm.resampling import FlattenedSampler, SequenceRandomOverSampler

FAST = dict(conftest.FAST, max_epochs=10, learning_rate=3e-2)


def shifted(n=90, rate=0.2, seed=0):
    rng = np.random.RandomState(seed)
    y = (rng.rand(n) < rate).astype(int)
    X = rng.normal(size=(n, 12, 2)).astype(np.float32) * 5 + 100
    X[y == 1, :, 0] += 5
    return X, y


def ragged_shifted(n=90, seed=0):
    X, y = shifted(n, seed=seed)
    lengths = np.random.RandomState(seed).randint(3, 13, size=n)
    return [x[:length] for x, length in zip(X, lengths, strict=True)], y


@pytest.mark.slow
@pytest.mark.parametrize("make_data", [shifted, ragged_shifted])
def test_grid_search_over_sampler_and_class_weight(make_data):
    X, y = make_data()
    pipe = make_pipeline(
        SequenceScaler(),
        SequenceRandomOverSampler(random_state=0),
        LSTMSequenceClassifier(**FAST),
    )
    grid = {
        "sequencerandomoversampler__sampling_strategy": [0.5, 1.0],
        "lstmsequenceclassifier__class_weight": [None, "balanced"],
    }
    search = GridSearchCV(
        pipe, grid, cv=StratifiedKFold(3), scoring="balanced_accuracy"
    ).fit(X, y)
    assert search.best_score_ > 0.6
    # The refitted pipeline trained on the best candidate's resampled data:
    # the minority oversampled to sampling_strategy times the majority.
    best = search.best_estimator_
    ratio = best.get_params()["sequencerandomoversampler__sampling_strategy"]
    counts = best[-1].history_[0]["train_class_counts"]
    n_major = int(np.sum(y == 0))
    assert counts == {0: n_major, 1: max(int(np.sum(y == 1)), int(ratio * n_major))}


def test_flattened_sampler_params_are_searchable():
    X, y = shifted()
    pipe = make_pipeline(
        SequenceScaler(),
        FlattenedSampler(SMOTE(random_state=0)),
        LSTMSequenceClassifier(**FAST),
    )
    search = GridSearchCV(
        pipe, {"flattenedsampler__sampler__k_neighbors": [2, 4]}, cv=3
    ).fit(X, y)
    assert {
        p["flattenedsampler__sampler__k_neighbors"]
        for p in search.cv_results_["params"]
    } == {2, 4}


class RowCounter(LSTMSequenceClassifier):
    """Records how many sequences reach fit and predict."""

    log = []

    def fit(self, X, y, sample_weight=None):
        self.log.append(("fit", len(X), int(np.sum(np.asarray(y) == 1))))
        return super().fit(X, y, sample_weight)

    def predict_proba(self, X):
        self.log.append(("predict", len(X), None))
        return super().predict_proba(X)


def test_resampling_touches_training_folds_only():
    X, y = shifted(n=120, rate=0.15)
    RowCounter.log = []
    pipe = make_pipeline(SequenceRandomOverSampler(random_state=0), RowCounter(**FAST))
    folds = list(StratifiedKFold(3).split(X, y))
    cross_validate(pipe, X, y, cv=folds, scoring="accuracy")
    fits = [entry for entry in RowCounter.log if entry[0] == "fit"]
    predicts = [entry for entry in RowCounter.log if entry[0] == "predict"]
    for (_, n_fit, n_minority), (train, test) in zip(fits, folds, strict=True):
        majority = int(np.sum(y[train] == 0))
        assert n_fit == 2 * majority and n_minority == majority
    # predict sees each test fold as it is: no resampled rows.
    assert sorted(n for _, n, _ in predicts) == sorted(len(test) for _, test in folds)


def test_pandas_output_wraps_2d_results_and_keeps_sequences():
    import pandas as pd
    from sklearn import config_context
    from sklearn.pipeline import make_pipeline as make_sklearn_pipeline

    from sklstm.augmentation import GaussianNoise
    from sklstm.preprocessing import TextSequencer

    X, y = shifted()
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(12)])
    scaler = SequenceScaler().set_output(transform="pandas").fit(frame)
    out = scaler.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(frame.columns)
    pd.testing.assert_index_equal(out.index, frame.index)
    # 3-D arrays and ragged lists keep the input's container.
    ragged, _ = ragged_shifted()
    with config_context(transform_output="pandas"):
        assert isinstance(SequenceScaler().fit_transform(X), np.ndarray)
        assert isinstance(SequenceScaler().fit_transform(ragged), list)
        assert isinstance(SequenceScaler().fit_transform(X[:, :, 0]), pd.DataFrame)
    # Every sklstm transformer takes a pipeline's set_output, augmenters
    # (pass-through at predict) and the text sequencer included.
    pipe = make_sklearn_pipeline(
        SequenceScaler(), GaussianNoise(), LSTMSequenceClassifier(**FAST)
    ).set_output(transform="pandas")
    for data in (X, X[:, :, 0], ragged, frame):
        labels = pipe.fit(data, y).predict(data)
        assert labels.shape == y.shape
    noise = pipe[1]
    assert isinstance(noise.transform(frame), pd.DataFrame)
    texts = ["free prize now", "call me now", "now"] * 10
    seq = make_sklearn_pipeline(
        TextSequencer(), LSTMSequenceClassifier(**FAST, embedding_dim=2)
    )
    seq.set_output(transform="pandas").fit(texts, [0, 1, 1] * 10)
    with pytest.raises(ValueError, match="transform must be one of"):
        SequenceScaler().set_output(transform="arrow")


def test_feature_names_after_any_fit():
    X, _ = shifted()
    ragged, _ = ragged_shifted()
    assert list(SequenceScaler().fit(X).get_feature_names_out())[:2] == ["x0", "x1"]
    names = SequenceScaler().fit(ragged).get_feature_names_out()
    assert list(names) == ["channel0", "channel1"]
    names = SequenceScaler().fit(ragged).get_feature_names_out(["a", "b"])
    assert list(names) == ["a", "b"]


def test_nested_pandas_sequences_are_lists_of_sequences():
    import pandas as pd

    ragged, y = ragged_shifted()
    series = pd.Series(
        [x[:, 0] for x in ragged], index=np.arange(90) * 10, name="channel"
    )
    frame = pd.DataFrame({"a": series, "b": [x[:, 1] for x in ragged]})
    frame.index = series.index
    expected = [x[:, :1] for x in ragged]
    pipe = make_pipeline(
        SequenceScaler(),
        SequenceRandomOverSampler(random_state=0),
        LSTMSequenceClassifier(**FAST),
    )
    np.testing.assert_array_equal(
        pipe.fit(series, y).predict(series), pipe.fit(expected, y).predict(expected)
    )
    np.testing.assert_array_equal(
        pipe.fit(frame, y).predict(frame), pipe.fit(ragged, y).predict(ragged)
    )
    scaled = SequenceScaler().fit(frame).transform(frame)
    np.testing.assert_allclose(
        scaled[3], SequenceScaler().fit(ragged).transform(ragged)[3]
    )
    uneven = frame.copy()
    uneven.iloc[5, 1] = uneven.iloc[5, 1][:-1]
    with pytest.raises(ValueError, match="Row 5 of the DataFrame"):
        SequenceScaler().fit(uneven)
