"""Input the README promises to reject: a clear ValueError naming the problem."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
from sklstm.datasets import load_folder, load_ts, load_ucr_tsv
from sklstm.preprocessing import SequenceScaler, TextSequencer
from sklstm.resampling import (
    AugmentationSampler,
    FlattenedSampler,
    SequenceADASYN,
    SequenceRandomOverSampler,
    SequenceRandomUnderSampler,
    SequenceSMOTE,
)

TINY = dict(hidden_size=4, max_epochs=1, fcn_width=4, random_state=0)
y30 = np.arange(30) % 2


def small(n=30, steps=6, channels=2):
    return np.random.RandomState(0).normal(size=(n, steps, channels)).astype("f4")


# -- empty axes ---------------------------------------------------------------------

CONSUMERS = {
    "fit": lambda X: LSTMSequenceClassifier(**TINY).fit(X, y30),
    "SequenceScaler": lambda X: SequenceScaler().fit(X),
    "augmenter": lambda X: GaussianNoise().fit(X),
    "over-sampler": lambda X: SequenceRandomOverSampler().fit_resample(X, y30),
    "under-sampler": lambda X: SequenceRandomUnderSampler().fit_resample(X, y30),
    "SMOTE": lambda X: SequenceSMOTE().fit_resample(X, y30),
    "DTW SMOTE": lambda X: SequenceSMOTE(distance="dtw").fit_resample(X, y30),
    "ADASYN": lambda X: SequenceADASYN().fit_resample(X, y30),
    "DTW ADASYN": lambda X: SequenceADASYN(distance="dtw").fit_resample(X, y30),
    "AugmentationSampler": lambda X: AugmentationSampler(GaussianNoise()).fit_resample(
        X, y30
    ),
}


@pytest.mark.parametrize("use", CONSUMERS.values(), ids=CONSUMERS.keys())
@pytest.mark.parametrize(
    ("shape", "axis"), [((30, 0, 2), "0 time steps"), ((30, 6, 0), "0 features")]
)
def test_empty_time_or_channel_axes_are_named(use, shape, axis):
    with pytest.raises(ValueError, match=axis):
        use(np.zeros(shape, dtype=np.float32))


RAGGED_CONSUMERS = {k: v for k, v in CONSUMERS.items() if k not in ("SMOTE", "ADASYN")}


@pytest.mark.parametrize("use", RAGGED_CONSUMERS.values(), ids=RAGGED_CONSUMERS.keys())
def test_ragged_sequences_without_channels_are_named(use):
    ragged = [np.zeros((5 + i % 3, 0), dtype=np.float32) for i in range(30)]
    with pytest.raises(ValueError, match="0 features"):
        use(ragged)


def test_prediction_on_sequences_of_no_steps_is_named():
    clf = LSTMSequenceClassifier(**TINY).fit(small(), y30)
    with pytest.raises(ValueError, match="0 time steps"):
        clf.predict(np.zeros((3, 0, 2), dtype=np.float32))
    ragged_fit = LSTMSequenceClassifier(**TINY).fit(
        [np.ones((4 + i % 2, 2)) for i in range(30)], y30
    )
    with pytest.raises(ValueError, match="0 time steps"):
        ragged_fit.predict(np.zeros((3, 0, 2), dtype=np.float32))


# -- values that are not what they claim ---------------------------------------------


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan, 1.5, 1e30])
def test_ragged_token_ids_must_be_integers_int64_holds(bad):
    X = [
        np.array([1.0, 2.0, bad]) if i == 3 else np.array([1.0, 2.0]) for i in range(30)
    ]
    X[4] = np.array([3.0, 4.0, 5.0])  # ragged
    clf = LSTMSequenceClassifier(**dict(TINY, fcn_width=None), embedding_dim=2)
    with pytest.raises(ValueError, match=r"sequence 3 .* NaN, infinite, fractional"):
        clf.fit(X, y30)


@pytest.mark.parametrize(
    "use",
    [
        lambda X: LSTMSequenceClassifier(**TINY).fit(X, y30),
        lambda X: SequenceScaler().fit(X),
        lambda X: SequenceRandomOverSampler().fit_resample(X, y30),
        lambda X: GaussianNoise().fit(X),
    ],
    ids=["classifier", "scaler", "sampler", "augmenter"],
)
def test_ragged_complex_values_are_refused_not_truncated(use):
    X = [np.ones(4 + i % 3) * (1 + 2j) for i in range(30)]
    with pytest.raises(ValueError, match="Complex data not supported: sequence 0"):
        use(X)


# -- augmenters ----------------------------------------------------------------------


class DuckNoise:
    """An augmenter by duck typing: no sklstm base class, no private methods."""

    def __init__(self, result=None):
        self.result = result

    def get_params(self, deep=True):
        return {"result": self.result}

    def set_params(self, **params):
        self.__dict__.update(params)
        return self

    def fit_padded(self, values, lengths):
        return self

    def augment_padded(self, values, lengths, rng):
        if self.result is None:
            return values + values.dtype.type(0.01)
        return self.result(values)


def test_duck_typed_augmenters_need_no_private_methods():
    X = small()
    LSTMSequenceClassifier(**TINY, augment=DuckNoise()).fit(X, y30)
    X_res, _ = AugmentationSampler(DuckNoise()).fit_resample(X, np.arange(30) < 5)
    assert len(X_res) == 50


FAULTY = {
    "float64": lambda v: v.astype(np.float64),
    "NaN": lambda v: np.full_like(v, np.nan),
    "shorter": lambda v: v[:, :-1],
    "a list": lambda v: v.tolist(),
}


@pytest.mark.parametrize("result", FAULTY.values(), ids=FAULTY.keys())
def test_faulty_augmenter_output_is_named(result):
    X = small()
    with pytest.raises(ValueError, match="DuckNoise"):
        LSTMSequenceClassifier(**TINY, augment=DuckNoise(result)).fit(X, y30)
    with pytest.raises(ValueError, match="DuckNoise"):
        AugmentationSampler(DuckNoise(result)).fit_resample(X, np.arange(30) < 5)


@pytest.mark.parametrize(
    "augmenter",
    [
        GaussianSmoothing(sigma=1e8),
        MagnitudeWarp(n_knots=10**7),
        TimeWarp(n_knots=10**7),
    ],
    ids=["smoothing", "magnitude-warp", "time-warp"],
)
def test_strengths_that_would_exhaust_memory_are_refused(augmenter):
    with pytest.raises(ValueError, match="must be"):
        augmenter.fit(small())


AUGMENTERS = {
    "noise": lambda s: GaussianNoise(sigma=s, random_state=0),
    "scaling": lambda s: RandomScaling(sigma=s, random_state=0),
    "magnitude-warp": lambda s: MagnitudeWarp(sigma=s, random_state=0),
    "time-warp": lambda s: TimeWarp(sigma=s, random_state=0),
    "chain": lambda s: ChainAugmenter([GaussianNoise(sigma=s)], random_state=0),
}


@pytest.mark.parametrize("make", AUGMENTERS.values(), ids=AUGMENTERS.keys())
@given(sigma=st.floats(0, 1e308), scale=st.sampled_from([1.0, 1e30]))
def test_augmented_output_is_finite_or_a_clear_error(make, sigma, scale):
    X = small() * np.float32(scale)
    augmenter = make(sigma)
    try:
        out = augmenter.fit_transform(X)
    except ValueError as exc:
        # The parameter's bound, or the augmenter (the chain's step) named.
        message = str(exc)
        assert "sigma' parameter" in message or (
            "GaussianNoise" in message or type(augmenter).__name__ in message
        ), message
        assert "must be" in message or "NaN or infinite values" in message
    else:
        assert np.all(np.isfinite(out)) and out.dtype == X.dtype


def test_an_overflowing_augmenter_is_named_in_fit():
    clf = LSTMSequenceClassifier(**TINY, augment=GaussianNoise(sigma=1e300))
    with pytest.raises(ValueError, match=r"GaussianNoise\(sigma=1e\+300\)"):
        clf.fit(small(), y30)


@pytest.mark.parametrize("p", [[np.nan, 1], [np.inf, 1], [-1, 2], [0, 0], [1]])
def test_random_choice_probabilities_are_checked_at_fit(p):
    augmenter = RandomChoiceAugmenter([GaussianNoise(), WindowSlice()], p=p)
    with pytest.raises(ValueError, match="p must hold one finite"):
        augmenter.fit(small())


def test_a_strategy_that_names_no_class_is_an_error():
    sampler = AugmentationSampler(GaussianNoise(), sampling_strategy=lambda y: {})
    with pytest.raises(ValueError, match="names no class to oversample"):
        sampler.fit_resample(small(), y30)
    # Already balanced under 'auto': nothing to add, the data comes back.
    X_res, _ = AugmentationSampler(GaussianNoise()).fit_resample(small(), y30)
    assert len(X_res) == 30


def test_flattened_sampler_of_an_empty_axis_is_named():
    from imblearn.over_sampling import RandomOverSampler

    with pytest.raises(ValueError, match="0 time steps"):
        FlattenedSampler(RandomOverSampler()).fit_resample(np.zeros((30, 0, 2)), y30)


# -- text and loaders ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message"),
    [("(", "not a valid regular expression"), (r"(\w)(\w)", "capturing groups")],
)
def test_invalid_token_patterns_fail_at_fit(pattern, message):
    sequencer = TextSequencer().fit(["free prize", "call me"])
    vocabulary = sequencer.vocabulary_
    with pytest.raises(ValueError, match=message):
        sequencer.set_params(token_pattern=pattern).fit(["other words"])
    assert sequencer.vocabulary_ is vocabulary


def test_load_folder_rejects_an_unknown_subset(tmp_path):
    (tmp_path / "ucr").mkdir()
    with pytest.raises(ValueError, match="subset must be"):
        load_folder(tmp_path, subset="bad")


@pytest.mark.parametrize(
    ("labels", "kept"),
    [
        (["01", "1"], ["01", "1"]),
        (["1e300", "-1e300"], ["-1e300", "1e300"]),
        (["1", "1.0"], ["1", "1.0"]),
        (["1", "-1"], [-1, 1]),
    ],
)
def test_distinct_labels_stay_distinct_in_the_loaders(tmp_path, labels, kept):
    tsv = tmp_path / "X_TRAIN.tsv"
    tsv.write_text("".join(f"{label}\t1\t2\n" for label in labels))
    ts = tmp_path / "X_TRAIN.ts"
    ts.write_text(
        "@problemName X\n@classLabel true\n@data\n"
        + "".join(f"1,2:{label}\n" for label in labels)
    )
    for loader in (load_ucr_tsv, load_ts):
        _, y = loader(tsv if loader is load_ucr_tsv else ts)
        assert np.unique(y).tolist() == kept


def test_sequences_of_another_length_at_predict_get_the_hint():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 12)), np.arange(20) % 2
    clf = LSTMSequenceClassifier(hidden_size=4, max_epochs=1).fit(X, y)
    scaler = SequenceScaler().fit(X)
    shorter = rng.normal(size=(5, 10))
    for new in (shorter, shorter[:, :, None], shorter.tolist()):
        for method in (clf.predict, scaler.transform):
            with pytest.raises(ValueError, match="Pass a list of arrays"):
                method(new)
    assert clf.predict(list(shorter)).shape == (5,)  # a list of arrays: any length


def test_outlier_lengths_that_inflate_the_padding_are_named():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=10).astype(np.float32) for _ in range(200)]
    X.append(rng.normal(size=100_000).astype(np.float32))  # 80 MB padded
    with pytest.warns(UserWarning, match="padded to the longest, 100000 steps"):
        SequenceScaler().fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SequenceScaler().fit(X[:-1])
