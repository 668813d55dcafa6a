"""Sequence samplers through their public API."""

import numpy as np
import pytest
from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE
from imblearn.under_sampling import EditedNearestNeighbours, NearMiss, TomekLinks

from sklstm.augmentation import GaussianNoise, TimeWarp
from sklstm.resampling import (
    AugmentationSampler,
    FlattenedSampler,
    SequenceRandomOverSampler,
    SequenceRandomUnderSampler,
    SequenceSMOTE,
)


def imbalanced(n_major=40, n_minor=8, steps=10, channels=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_major + n_minor, steps, channels)).astype(np.float32)
    X[n_major:] += 1.0
    y = np.array([0] * n_major + [1] * n_minor)
    return X, y


def ragged(n_major=12, n_minor=4, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(1, 15), 2)) for _ in range(n_major + n_minor)]
    return X, np.array([0] * n_major + [1] * n_minor)


@pytest.mark.parametrize(
    ("sampler", "expected"),
    [
        (SequenceRandomOverSampler(random_state=0), [40, 40]),
        (SequenceRandomUnderSampler(random_state=0), [8, 8]),
        (SequenceSMOTE(random_state=0), [40, 40]),
        (AugmentationSampler(GaussianNoise(), random_state=0), [40, 40]),
        (SequenceRandomOverSampler(sampling_strategy=0.5, random_state=0), [40, 20]),
        (SequenceRandomUnderSampler(sampling_strategy={0: 20}), [20, 8]),
    ],
)
def test_class_counts_follow_sampling_strategy(sampler, expected):
    X, y = imbalanced()
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == expected
    assert X_res.shape == (sum(expected), 10, 2)
    assert X_res.dtype == np.float32


@pytest.mark.parametrize(
    "sampler", [SequenceRandomOverSampler, SequenceRandomUnderSampler]
)
def test_random_samplers_copy_whole_sequences(sampler):
    X, y = imbalanced()
    est = sampler(random_state=0)
    X_res, y_res = est.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X[est.sample_indices_])
    np.testing.assert_array_equal(y_res, y[est.sample_indices_])


@pytest.mark.parametrize(
    "sampler",
    [
        SequenceRandomOverSampler(random_state=0),
        SequenceRandomUnderSampler(random_state=0),
        AugmentationSampler(TimeWarp(), random_state=0),
    ],
)
def test_ragged_lists_stay_ragged_lists(sampler):
    X, y = ragged()
    X_res, y_res = sampler.fit_resample(X, y)
    assert isinstance(X_res, list) and isinstance(y_res, np.ndarray)
    assert len(X_res) == len(y_res)
    assert {x.shape[1] for x in X_res} == {2}
    lengths = sorted(len(x) for x in X)
    assert {len(x) for x in X_res} <= set(lengths)
    as_object = np.empty(len(X), dtype=object)
    as_object[:] = X
    X_obj, _ = sampler.fit_resample(as_object, y)
    assert isinstance(X_obj, np.ndarray) and X_obj.dtype == object


def test_random_oversampler_on_ragged_copies_the_chosen_rows():
    X, y = ragged()
    sampler = SequenceRandomOverSampler(random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    for row, source in zip(X_res, sampler.sample_indices_, strict=True):
        np.testing.assert_array_equal(row, X[source])


@pytest.mark.parametrize(
    "sampler",
    [SequenceRandomOverSampler(random_state=0), SequenceRandomUnderSampler()],
)
@pytest.mark.parametrize("univariate", [False, True])
def test_ragged_output_never_aliases_the_input(sampler, univariate):
    X, y = ragged()
    if univariate:
        X = [x[:, 0] for x in X]
    before = [x.copy() for x in X]
    X_res, _ = sampler.fit_resample(X, y)
    for row in X_res:
        row[...] = 1e6
    for x, original in zip(X, before, strict=True):
        np.testing.assert_array_equal(x, original)
    if isinstance(sampler, SequenceRandomOverSampler):
        first = np.flatnonzero(sampler.sample_indices_ == sampler.sample_indices_[-1])
        assert len(first) > 1  # a repeated minority sequence: separate arrays
        assert not np.shares_memory(X_res[first[0]], X_res[first[1]])


def test_univariate_ragged_sequences_keep_their_1d_shape():
    X = [np.arange(3.0), np.arange(5.0), np.arange(2.0)]
    X_res, _ = SequenceRandomOverSampler(random_state=0).fit_resample(X, [0, 0, 1])
    assert [x.ndim for x in X_res] == [1, 1, 1, 1]


def test_2d_input_stays_2d():
    X, y = imbalanced(channels=1)
    X_res, _ = SequenceSMOTE(random_state=0).fit_resample(X[:, :, 0], y)
    assert X_res.shape == (80, 10)


def test_smote_interpolates_between_same_class_neighbors():
    X, y = imbalanced()
    X_res, y_res = SequenceSMOTE(k_neighbors=3, random_state=0).fit_resample(X, y)
    new = X_res[len(X) :]
    minority = X[y == 1].reshape(8, -1)
    for seq in new.reshape(len(new), -1):
        # Each new sequence lies on a segment between two minority sequences.
        gaps = []
        for a in minority:
            for b in minority:
                d = b - a
                if not d.any():
                    continue
                t = np.dot(seq - a, d) / np.dot(d, d)
                gaps.append(np.linalg.norm(a + np.clip(t, 0, 1) * d - seq))
        assert min(gaps) < 1e-4
    assert np.all(y_res[len(X) :] == 1)


def test_smote_reduces_k_for_small_classes_and_rejects_singletons():
    X, y = imbalanced(n_minor=3)
    # Labels print as the user wrote them (1, not np.int64(1)).
    with pytest.warns(UserWarning, match=r"^Class 1 has 3 sequences.*k_neighbors=2"):
        SequenceSMOTE(k_neighbors=5, random_state=0).fit_resample(X, y)
    X, y = imbalanced(n_minor=1)
    with pytest.raises(ValueError, match=r"^Class 1 has a single sequence"):
        SequenceSMOTE(random_state=0).fit_resample(X, y)


@pytest.mark.parametrize("sampler", [SequenceSMOTE(), FlattenedSampler(SMOTE())])
def test_equal_length_samplers_reject_ragged_input(sampler):
    X, y = ragged()
    with pytest.raises(ValueError, match="equal length"):
        sampler.fit_resample(X, y)


def test_seeded_samplers_are_reproducible():
    X, y = imbalanced()
    for make in (
        lambda: SequenceSMOTE(random_state=3),
        lambda: AugmentationSampler(TimeWarp(), random_state=3),
    ):
        a, _ = make().fit_resample(X, y)
        b, _ = make().fit_resample(X, y)
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "inner",
    [
        SMOTE(random_state=0),
        ADASYN(random_state=0),
        BorderlineSMOTE(random_state=0),
        NearMiss(),
        TomekLinks(),
        EditedNearestNeighbours(),
    ],
)
def test_flattened_sampler_runs_any_imblearn_sampler(inner):
    X, y = imbalanced(n_major=60, n_minor=12)
    X_res, y_res = FlattenedSampler(inner).fit_resample(X, y)
    assert X_res.shape[1:] == X.shape[1:] and len(X_res) == len(y_res)
    flat_res, _ = type(inner)(**inner.get_params()).fit_resample(
        X.reshape(len(X), -1), y
    )
    np.testing.assert_allclose(X_res.reshape(len(X_res), -1), flat_res)


def test_flattened_sampler_exposes_nested_params_and_indices():
    sampler = FlattenedSampler(NearMiss())
    assert "sampler__n_neighbors" in sampler.get_params()
    X, y = imbalanced()
    sampler.fit_resample(X, y)
    np.testing.assert_array_equal(
        sampler.sample_indices_, sampler.sampler_.sample_indices_
    )
    # Refitted with a sampler that keeps no indices (SMOTE): none are left over.
    sampler.set_params(sampler=SMOTE(random_state=0)).fit_resample(X, y)
    assert not hasattr(sampler, "sample_indices_")


def test_augmentation_sampler_adds_variants_not_copies():
    X, y = imbalanced()
    X_res, _ = AugmentationSampler(
        GaussianNoise(sigma=0.1), random_state=0
    ).fit_resample(X, y)
    new = X_res[len(X) :]
    minority = X[y == 1]
    distance = np.abs(new[:, None] - minority[None]).max(axis=(2, 3)).min(axis=1)
    assert np.all(distance > 0)
    assert np.all(distance < 1.0)
    np.testing.assert_array_equal(X_res[: len(X)], X)


def test_samplers_reject_bad_input():
    X, y = imbalanced()
    with pytest.raises(ValueError, match=r"NaN|infinity"):
        SequenceSMOTE().fit_resample(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="4-D"):
        SequenceRandomOverSampler().fit_resample(X[..., None], y)
    with pytest.raises(ValueError, match="length 0"):
        SequenceRandomOverSampler().fit_resample([np.ones(3), np.ones(0)], [0, 1])
    with pytest.raises(ValueError, match="needs to have more than 1 class"):
        SequenceRandomOverSampler().fit_resample(X, np.zeros(len(y)))


def test_augmentation_sampler_refuses_integer_values():
    from sklstm.preprocessing import TextSequencer

    ids = TextSequencer().fit_transform(["a b c", "b c", "c a b a", "a"] * 3)
    with pytest.raises(ValueError, match=r"TextSequencer.*astype\(float\)"):
        AugmentationSampler(GaussianNoise()).fit_resample(ids, [0, 0, 0, 1] * 3)
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match="holds integers"):  # a nested Series
        AugmentationSampler(GaussianNoise()).fit_resample(
            pd.Series(ids), [0, 0, 0, 1] * 3
        )
    X, y = imbalanced()
    with pytest.raises(ValueError, match="holds integers"):
        AugmentationSampler(GaussianNoise()).fit_resample(X.astype(int), y)
    X_res, _ = AugmentationSampler(GaussianNoise()).fit_resample(X.astype(float), y)
    assert len(X_res) == 80
