"""SequenceSMOTE(distance="dtw") and SequenceADASYN through their public API."""

import numpy as np
import pytest
from imblearn.over_sampling import ADASYN
from imblearn.pipeline import make_pipeline

from sklstm import LSTMSequenceClassifier
from sklstm.resampling import FlattenedSampler, SequenceADASYN, SequenceSMOTE
from sklstm.resampling._dtw import dtw_costs


def ragged(n_major=12, n_minor=6, channels=2, seed=0):
    rng = np.random.RandomState(seed)
    X = [
        rng.normal(size=(rng.randint(3, 15), channels))
        for _ in range(n_major + n_minor)
    ]
    return X, np.array([0] * n_major + [1] * n_minor)


def naive_dtw(a, b):
    """The textbook recursion, cell by cell."""
    D = np.full((len(a) + 1, len(b) + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(len(a)):
        for j in range(len(b)):
            D[i + 1, j + 1] = ((a[i] - b[j]) ** 2).sum() + min(
                D[i, j], D[i, j + 1], D[i + 1, j]
            )
    return D[-1, -1]


def test_dtw_costs_follow_the_textbook_recursion():
    X, _ = ragged(8, 4, channels=3)
    values = np.zeros((len(X), max(map(len, X)), 3))
    for i, x in enumerate(X):
        values[i, : len(x)] = x
    rows, cols = np.divmod(np.arange(len(X) ** 2), len(X))
    lengths = np.array([len(x) for x in X])
    expected = [naive_dtw(X[a], X[b]) for a, b in zip(rows, cols, strict=True)]
    np.testing.assert_allclose(dtw_costs(values, lengths, rows, cols), expected)


@pytest.mark.parametrize("sampler", [SequenceSMOTE, SequenceADASYN])
@pytest.mark.parametrize("univariate", [False, True])
def test_dtw_samplers_balance_ragged_sequences(sampler, univariate):
    X, y = ragged()
    if univariate:
        X = [x[:, 0] for x in X]
    X_res, y_res = sampler(distance="dtw", random_state=0).fit_resample(X, y)
    assert isinstance(X_res, list) and np.bincount(y_res).tolist() == [12, 12]
    assert [x.ndim for x in X_res] == [1 if univariate else 2] * 24
    for x, original in zip(X_res, X, strict=False):
        np.testing.assert_array_equal(x, original)
    minority = [len(x) for x in X[12:]]
    for x in X_res[len(X) :]:
        assert min(minority) <= len(x) <= max(minority)
        assert np.all(np.isfinite(x))


def test_dtw_mix_of_two_paces_of_one_shape_keeps_the_shape():
    # The minority class is one sine period at two paces (20 and 40 steps):
    # along the warping path every mix is that period again, at a length
    # between the two. A straight line between the two (once resampled to one
    # length) would hold the same shape too, but Euclidean SMOTE cannot take
    # them at all.
    def period(n):
        return np.sin(np.linspace(0, 2 * np.pi, n))

    rng = np.random.RandomState(0)
    X = [rng.normal(size=rng.randint(20, 40)) for _ in range(10)]
    X += [period(20), period(40)]
    y = [0] * 10 + [1, 1]
    with pytest.raises(ValueError, match="distance='dtw'"):
        SequenceSMOTE(k_neighbors=1).fit_resample(X, y)
    X_res, _ = SequenceSMOTE(
        k_neighbors=1, distance="dtw", random_state=0
    ).fit_resample(X, y)
    lengths = [len(x) for x in X_res[12:]]
    assert len(set(lengths)) > 3 and 20 <= min(lengths) and max(lengths) <= 40
    for x in X_res[12:]:
        np.testing.assert_allclose(x, period(len(x)), atol=0.1)


def test_dtw_on_equal_lengths_keeps_the_array():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 12, 2)).astype(np.float32)
    y = np.array([0] * 24 + [1] * 6)
    X_res, _ = SequenceSMOTE(distance="dtw", random_state=0).fit_resample(X, y)
    assert X_res.shape == (48, 12, 2) and X_res.dtype == np.float32
    X_2d, _ = SequenceSMOTE(distance="dtw", random_state=0).fit_resample(X[:, :, 0], y)
    assert X_2d.shape == (48, 12)


@pytest.mark.parametrize("sampler", [SequenceSMOTE, SequenceADASYN])
def test_dtw_samplers_are_reproducible(sampler):
    X, y = ragged()
    a, _ = sampler(distance="dtw", random_state=3).fit_resample(X, y)
    b, _ = sampler(distance="dtw", random_state=3).fit_resample(X, y)
    c, _ = sampler(distance="dtw", random_state=4).fit_resample(X, y)
    for x, z in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, z)
    assert any(
        len(x) != len(z) or not np.array_equal(x, z)
        for x, z in zip(a[len(X) :], c[len(X) :], strict=True)
    )


def test_adasyn_agrees_with_imblearn_on_flattened_sequences():
    # imbalanced-learn rounds each sequence's share on its own; where those
    # round to the requested total, the two draw the same sequences.
    rng = np.random.RandomState(3)
    X = rng.normal(size=(40, 6, 2))
    y = np.array([0] * 30 + [1] * 10)
    X[30:] += 0.8
    flat, flat_y = ADASYN(random_state=0).fit_resample(X.reshape(40, -1), y)
    assert np.bincount(flat_y).tolist() == [30, 30]
    X_res, y_res = SequenceADASYN(random_state=0).fit_resample(X, y)
    np.testing.assert_allclose(X_res.reshape(len(X_res), -1), flat)
    np.testing.assert_array_equal(y_res, flat_y)
    # The flattened wrapper around imbalanced-learn gives the same.
    wrapped, _ = FlattenedSampler(ADASYN(random_state=0)).fit_resample(X, y)
    np.testing.assert_allclose(X_res, wrapped)


def test_adasyn_grows_the_class_where_it_meets_the_others():
    # Five minority sequences sit far from the rest, five among the majority:
    # the isolated ones have no neighbour of another class and get no new
    # sequence; every new one lies among the mixed ones.
    rng = np.random.RandomState(0)
    majority = rng.normal(size=(40, 8, 1))
    mixed = rng.normal(size=(5, 8, 1)) * 0.5
    isolated = rng.normal(size=(5, 8, 1)) * 0.5 + 20
    X = np.concatenate([majority, mixed, isolated])
    y = np.array([0] * 40 + [1] * 10)
    X_res, y_res = SequenceADASYN(n_neighbors=4, random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [40, 40]
    assert np.all(np.abs(X_res[len(X) :]).max(axis=(1, 2)) < 5)
    # SMOTE spreads them over the whole class instead.
    X_smote, _ = SequenceSMOTE(k_neighbors=4, random_state=0).fit_resample(X, y)
    assert np.any(X_smote[len(X) :].mean(axis=(1, 2)) > 10)


def test_adasyn_without_hard_sequences_spreads_evenly_with_a_warning():
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.normal(size=(20, 5)), rng.normal(size=(6, 5)) + 50])
    y = np.array([0] * 20 + [1] * 6)
    with pytest.warns(UserWarning, match=r"^No sequence of class 1 has a sequence"):
        X_res, y_res = SequenceADASYN(random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [20, 20]
    assert np.all(X_res[26:].mean(axis=1) > 40)


@pytest.mark.parametrize("distance", ["euclidean", "dtw"])
def test_adasyn_small_classes_like_smote(distance):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(23, 6, 2)), np.array([0] * 20 + [1] * 3)
    with pytest.warns(UserWarning, match=r"^Class 1 has 3 sequences.*n_neighbors=2"):
        SequenceADASYN(distance=distance, random_state=0).fit_resample(X, y)
    with pytest.raises(ValueError, match=r"^Class 1 has a single sequence"):
        SequenceADASYN(distance=distance).fit_resample(X[:21], y[:21])


def test_unknown_distance_is_refused():
    X, y = ragged()
    with pytest.raises(ValueError, match="'distance' parameter"):
        SequenceSMOTE(distance="cityblock").fit_resample(X, y)


@pytest.mark.parametrize("sampler", [SequenceSMOTE, SequenceADASYN])
def test_dtw_sampler_in_a_pipeline_on_ragged_sequences(sampler):
    X, y = ragged(24, 6)
    pipe = make_pipeline(
        sampler(distance="dtw", random_state=0),
        LSTMSequenceClassifier(hidden_size=4, max_epochs=2, random_state=0),
    ).fit(X, y)
    assert pipe.predict(X).shape == (30,)
