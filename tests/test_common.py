"""scikit-learn's estimator checks on every sklstm estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklstm import LSTMSequenceClassifier

FAST = dict(hidden_size=8, max_epochs=30, learning_rate=5e-2, batch_size=64)

EXPECTED_FAILURES = {
    "LSTMSequenceClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "Mini-batch training in float32: a weight of 2 and a repeated row give "
            "the same objective, but different float rounding and batch "
            "composition, so the fits differ slightly (about 1e-7 here)."
        ),
    },
}


def _expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [LSTMSequenceClassifier(**FAST, random_state=0)],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
