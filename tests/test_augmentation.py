"""Augmenters and SequenceScaler through their public API."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d
from sklearn.pipeline import make_pipeline

from sklstm import LSTMSequenceClassifier
from sklstm.augmentation import (
    ChainAugmenter,
    GaussianNoise,
    GaussianSmoothing,
    MagnitudeWarp,
    RandomChoiceAugmenter,
    RandomScaling,
    TimeWarp,
    WindowSlice,
)
from sklstm.preprocessing import SequenceScaler

RNG = np.random.RandomState(0)
X3 = RNG.normal(size=(20, 30, 3)).astype(np.float32)
RAGGED = [RNG.normal(size=(n, 2)) for n in (1, 2, 7, 30, 12)]

AUGMENTERS = {
    "noise": lambda seed: GaussianNoise(sigma=0.1, random_state=seed),
    "scaling": lambda seed: RandomScaling(random_state=seed),
    "magnitude": lambda seed: MagnitudeWarp(random_state=seed),
    "timewarp": lambda seed: TimeWarp(random_state=seed),
    "window": lambda seed: WindowSlice(ratio=0.8, random_state=seed),
    "chain": lambda seed: ChainAugmenter(
        [TimeWarp(), GaussianNoise()], random_state=seed
    ),
    "choice": lambda seed: RandomChoiceAugmenter(
        [WindowSlice(), RandomScaling()], p=[0.3, 0.7], random_state=seed
    ),
}


@pytest.mark.parametrize("name", AUGMENTERS)
def test_augmenters_are_seeded_and_keep_shape_dtype_and_lengths(name):
    make = AUGMENTERS[name]
    a = make(0).fit_transform(X3)
    np.testing.assert_array_equal(a, make(0).fit_transform(X3))
    assert not np.array_equal(a, make(1).fit_transform(X3))
    assert a.shape == X3.shape and a.dtype == np.float32
    assert not np.allclose(a, X3)
    ragged = make(0).fit_transform(RAGGED)
    assert [x.shape for x in ragged] == [x.shape for x in RAGGED]
    flat = make(0).fit_transform(X3[:, :, 0])
    assert flat.shape == (20, 30)


@pytest.mark.parametrize("name", AUGMENTERS)
def test_transform_leaves_new_data_alone(name):
    augmenter = AUGMENTERS[name](0).fit(X3)
    np.testing.assert_array_equal(augmenter.transform(X3[:5]), X3[:5])
    assert not np.allclose(augmenter.augment(X3[:5]), X3[:5])


def test_gaussian_noise_strength_is_relative_to_each_channel():
    X = X3 * np.array([1e-3, 1.0, 1e3], dtype=np.float32)
    noisy = GaussianNoise(sigma=0.1, random_state=0).fit_transform(X)
    ratio = (noisy - X).std(axis=(0, 1)) / X.std(axis=(0, 1))
    np.testing.assert_allclose(ratio, 0.1, rtol=0.1)


def test_random_scaling_changes_each_channel_by_one_factor():
    out = RandomScaling(sigma=0.2, random_state=0).fit_transform(X3)
    factors = out / X3
    np.testing.assert_allclose(
        factors, np.broadcast_to(factors[:, :1], X3.shape), rtol=1e-5
    )
    assert 0.1 < factors[:, 0, :].std() < 0.3


def test_magnitude_warp_is_smooth_and_around_one():
    ones = np.ones((50, 40, 1))
    curves = MagnitudeWarp(sigma=0.2, random_state=0).fit(ones).augment(ones)[:, :, 0]
    assert abs(curves.mean() - 1) < 0.05
    assert 0.1 < curves.std() < 0.3
    # Smooth: neighbouring steps differ far less than independent N(1, 0.2)
    # draws would (mean |difference| 0.23), and the slope changes slowly.
    assert np.abs(np.diff(curves, axis=1)).mean() < 0.05
    assert np.abs(np.diff(curves, n=2, axis=1)).mean() < 0.02


def test_gaussian_smoothing_matches_scipy_per_sequence():
    smoothed = GaussianSmoothing(sigma=2.0).fit_transform(RAGGED)
    for x, s in zip(RAGGED, smoothed, strict=True):
        np.testing.assert_allclose(s, gaussian_filter1d(x, 2.0, axis=0))
    fixed = GaussianSmoothing(sigma=1.5).fit_transform(X3)
    np.testing.assert_allclose(fixed, gaussian_filter1d(X3, 1.5, axis=1), rtol=1e-6)


def test_time_warp_keeps_endpoints_and_order_of_a_ramp():
    ramp = np.linspace(0, 1, 50)[None, :, None].repeat(10, axis=0)
    warped = TimeWarp(sigma=0.3, random_state=0).fit(ramp).augment(ramp)
    np.testing.assert_allclose(warped[:, 0], 0, atol=1e-12)
    np.testing.assert_allclose(warped[:, -1], 1, atol=1e-12)
    assert np.all(np.diff(warped[:, :, 0], axis=1) >= -1e-12)
    assert np.abs(warped - ramp).max() > 0.01


def test_window_slice_stretches_a_window_of_the_documented_size():
    ramp = np.arange(100.0)[None, :, None].repeat(5, axis=0)
    sliced = WindowSlice(ratio=0.5, random_state=0).fit(ramp).augment(ramp)[:, :, 0]
    span = sliced[:, -1] - sliced[:, 0]
    np.testing.assert_allclose(span, 49.0)
    assert np.all((sliced[:, 0] >= 0) & (sliced[:, -1] <= 99))


def test_augmenter_in_a_plain_pipeline_never_touches_predict_data():
    seen = []

    class Recorder(LSTMSequenceClassifier):
        def predict_proba(self, X):
            seen.append(np.array(X))
            return super().predict_proba(X)

    y = (X3[:, :, 0].mean(1) > 0).astype(int)
    pipe = make_pipeline(
        GaussianNoise(sigma=1.0, random_state=0),
        Recorder(hidden_size=4, max_epochs=2, random_state=0),
    ).fit(X3, y)
    pipe.predict(X3)
    np.testing.assert_array_equal(seen[0], X3)


class CountingNoise(GaussianNoise):
    """GaussianNoise that records how many rows it augmented, call by call."""

    rows = []

    def _augment_padded(self, values, lengths, rng):
        CountingNoise.rows.append(len(values))
        return super()._augment_padded(values, lengths, rng)


def test_classifier_augments_training_batches_only():
    y = (X3[:, :, 0].mean(1) > 0).astype(int)
    params = dict(hidden_size=4, max_epochs=3, random_state=0)
    CountingNoise.rows = []
    clf = LSTMSequenceClassifier(
        **params,
        batch_size=8,
        early_stopping=True,
        refit=False,
        augment=CountingNoise(sigma=0.5),
    ).fit(X3, y)
    n_train = len(X3) - sum(np.ceil(0.1 * np.bincount(y)).astype(int))
    # Every training row once per epoch, batch by batch; no validation row.
    assert sum(CountingNoise.rows) == clf.n_epochs_ * n_train
    assert max(CountingNoise.rows) <= 8
    CountingNoise.rows = []
    clf.predict_proba(X3)
    assert CountingNoise.rows == []  # prediction is never augmented
    plain = LSTMSequenceClassifier(**params).fit(X3, y)
    noisy = LSTMSequenceClassifier(**params, augment=GaussianNoise(sigma=0.5))
    assert noisy.fit(X3, y).history_[0]["train_loss"] != plain.history_[0]["train_loss"]
    # Early stopping: the validation loss is computed on clean data, so an
    # augmenter that wrecks its input leaves the validation loss of the
    # untrained network equal to that of a plain run on the same split. (Without
    # the FCN branch, whose BatchNorm statistics do learn from training batches.)
    params["fcn_width"] = None
    wrecked = LSTMSequenceClassifier(
        **dict(params, max_epochs=1, learning_rate=1e-12),
        early_stopping=True,
        augment=GaussianNoise(sigma=100.0),
    ).fit(X3, y)
    clean = LSTMSequenceClassifier(
        **dict(params, max_epochs=1, learning_rate=1e-12), early_stopping=True
    ).fit(X3, y)
    assert wrecked.history_[0]["valid_loss"] == pytest.approx(
        clean.history_[0]["valid_loss"], abs=1e-6
    )
    assert wrecked.history_[0]["train_loss"] != pytest.approx(
        clean.history_[0]["train_loss"], abs=1e-3
    )


def test_classifier_rejects_a_non_augmenter():
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        LSTMSequenceClassifier(augment="noise").fit(X3, np.arange(20) % 2)


def test_bad_augmenter_settings():
    with pytest.raises(ValueError, match="at least one"):
        ChainAugmenter([]).fit(X3)
    with pytest.raises(TypeError, match="sklstm augmenters"):
        RandomChoiceAugmenter([SequenceScaler()]).fit(X3)
    with pytest.raises(ValueError, match="one finite, non-negative probability"):
        RandomChoiceAugmenter([TimeWarp()], p=[0.5, 0.5]).fit(X3)


# -- SequenceScaler ----------------------------------------------------------------


def test_sequence_scaler_standardizes_each_channel_over_real_steps():
    X = X3 * np.array([1.0, 10.0, 100.0], dtype=np.float32) + 5
    scaled = SequenceScaler().fit_transform(X)
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(scaled.mean(axis=(0, 1)), 0, atol=1e-5)
    np.testing.assert_allclose(scaled.std(axis=(0, 1)), 1, rtol=1e-4)
    ragged = [x * 3 + 1 for x in RAGGED]
    scaler = SequenceScaler().fit(ragged)
    steps = np.concatenate(ragged)
    np.testing.assert_allclose(scaler.mean_, steps.mean(0))
    np.testing.assert_allclose(scaler.scale_, steps.std(0))
    back = scaler.inverse_transform(scaler.transform(ragged))
    for a, b in zip(back, ragged, strict=True):
        np.testing.assert_allclose(a, b)


def test_sequence_scaler_constant_channel_gives_no_nan():
    X = X3.copy()
    X[:, :, 1] = 7.0
    scaled = SequenceScaler().fit_transform(X)
    assert np.all(np.isfinite(scaled))
    np.testing.assert_array_equal(scaled[:, :, 1], 0.0)


def test_a_subclass_that_writes_only_augment_equal_works():
    from sklstm.augmentation import BaseAugmenter

    class Flip(BaseAugmenter):
        """Reverse each sequence's sign: the one method the docstring asks."""

        def _augment_equal(self, x, rng):
            return -x

    X = RNG.normal(size=(6, 5, 2))
    np.testing.assert_array_equal(Flip().fit_transform(X), -X)
    flipped = Flip().fit(RAGGED).augment(RAGGED)
    for a, b in zip(flipped, RAGGED, strict=True):
        np.testing.assert_array_equal(a, -b)
    clf = LSTMSequenceClassifier(hidden_size=4, max_epochs=1, augment=Flip())
    clf.fit(X, [0, 1] * 3)
