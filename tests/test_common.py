"""scikit-learn's and imbalanced-learn's estimator checks on every estimator."""

import pytest
from imblearn.over_sampling import SMOTE
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_imblearn_checks,
)
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

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
from sklstm.model_selection import TunedClassOffsetsCV
from sklstm.preprocessing import SequenceImputer, SequenceScaler, TextSequencer
from sklstm.resampling import (
    AugmentationSampler,
    FlattenedSampler,
    SequenceADASYN,
    SequenceRandomOverSampler,
    SequenceRandomUnderSampler,
    SequenceSMOTE,
)

CHECKED = dict(hidden_size=8, max_epochs=30, learning_rate=5e-2, batch_size=64)

SAMPLERS = [
    SequenceRandomOverSampler(random_state=0),
    SequenceRandomUnderSampler(random_state=0),
    SequenceSMOTE(random_state=0),
    SequenceSMOTE(distance="dtw", random_state=0),
    SequenceADASYN(random_state=0),
    FlattenedSampler(SMOTE(random_state=0)),
    AugmentationSampler(GaussianNoise(), random_state=0),
]
AUGMENTERS = [
    GaussianNoise(random_state=0),
    RandomScaling(random_state=0),
    GaussianSmoothing(),
    MagnitudeWarp(random_state=0),
    TimeWarp(random_state=0),
    # The checks' sequences are 2-3 steps long: a 0.9 window would be all of it.
    WindowSlice(ratio=0.5, random_state=0),
    ChainAugmenter([TimeWarp(), GaussianNoise()], random_state=0),
    RandomChoiceAugmenter([WindowSlice(), RandomScaling()], random_state=0),
]

TRAIN_ONLY = (
    "Augmenters act in training only: fit_transform returns augmented data while "
    "transform returns new data unchanged, so the two differ by design."
)
EXPECTED_FAILURES = {
    "LSTMSequenceClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "Mini-batch training in float32: a weight of 2 and a repeated row give "
            "the same objective, but different float rounding and batch "
            "composition, so the fits differ slightly (about 1e-7 here)."
        ),
    },
    "TunedClassOffsetsCV": {
        "check_classifiers_train": (
            "predict is the argmax of the offset log-probabilities, not of "
            "predict_proba: moving the decision away from the most probable "
            "class is what the offsets are for."
        ),
    },
    "AugmentationSampler": {
        "check_estimators_dtypes": (
            "Integer input is refused: augmenting token ids (TextSequencer's "
            "output) would turn them into noise; integer-valued series are cast "
            "to float by the caller."
        ),
    },
    **{
        type(augmenter).__name__: {
            "check_transformer_general": TRAIN_ONLY,
            "check_transformer_general(readonly_memmap=True)": TRAIN_ONLY,
            "check_transformer_data_not_an_array": TRAIN_ONLY,
        }
        for augmenter in AUGMENTERS
    },
}


def _expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [
        LSTMSequenceClassifier(**CHECKED, random_state=0),
        TunedClassOffsetsCV(LogisticRegression(), cv=3, n_offsets=10),
        SequenceImputer(),
        SequenceImputer(strategy="linear", add_indicator=True),
        SequenceScaler(),
        TextSequencer(),
        *SAMPLERS,
        SequenceADASYN(distance="dtw", random_state=0),
        *AUGMENTERS,
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@parametrize_with_imblearn_checks(SAMPLERS)
def test_imblearn_compatible_sampler(estimator, check):
    check(estimator)


# DTW from each sequence of a class to every sequence: on imbalanced-learn's
# checks (1000 rows) about 50 s in all, so outside the fast loop.
@pytest.mark.slow
@parametrize_with_imblearn_checks([SequenceADASYN(distance="dtw", random_state=0)])
def test_imblearn_compatible_elastic_adasyn(estimator, check):
    check(estimator)
