"""sklstm.inspection: the training history, drawn."""

import sys

import numpy as np
import pytest
from conftest import FAST, mean_sign_task
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklstm import LSTMSequenceClassifier
from sklstm.preprocessing import SequenceScaler

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sklstm.inspection import TrainingHistoryDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def early_stopped():
    X, y = mean_sign_task()
    return LSTMSequenceClassifier(**FAST, early_stopping=True).fit(X, y)


def lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_the_panels_draw_what_the_history_records(early_stopped):
    clf = early_stopped
    display = TrainingHistoryDisplay.from_estimator(clf)
    assert display.ax_.shape == (3,)
    assert display.figure_ is display.ax_[0].figure
    validated = [h for h in clf.history_ if "valid_loss" in h]
    refit = [h for h in clf.history_ if h.get("refit")]
    assert validated and refit  # an early-stopped fit with its refit

    losses = lines(display.ax_[0])
    np.testing.assert_array_equal(
        losses["training loss"].get_ydata(), [h["train_loss"] for h in clf.history_]
    )
    valid = np.asarray(losses["validation loss"].get_ydata(), dtype=float)
    assert np.isnan(valid[len(validated) :]).all()  # the refit has no split
    np.testing.assert_array_equal(
        valid[: len(validated)], [h["valid_loss"] for h in validated]
    )

    recall = lines(display.ax_[1])
    for label in (0, 1):
        drawn = np.asarray(recall[f"class {label!r}"].get_ydata(), dtype=float)
        np.testing.assert_array_equal(
            drawn[: len(validated)], [h["valid_recall"][label] for h in validated]
        )

    shares = lines(display.ax_[2])
    np.testing.assert_array_equal(
        shares["training"].get_ydata(),
        [h["train_majority_share"] for h in clf.history_],
    )
    assert list(shares["collapse"].get_ydata()) == [0.99, 0.99]
    for panel in display.ax_:
        kept = lines(panel)["kept epoch"]
        assert list(kept.get_xdata()) == [clf.best_epoch_] * 2


def test_without_a_validation_split_it_draws_the_training_recall():
    X, y = mean_sign_task()
    clf = make_pipeline(SequenceScaler(), LSTMSequenceClassifier(**FAST)).fit(X, y)
    display = TrainingHistoryDisplay.from_estimator(clf, name="one-liner")
    history = clf[-1].history_
    assert "validation loss" not in lines(display.ax_[0])
    np.testing.assert_array_equal(
        lines(display.ax_[1])["class 1"].get_ydata(),
        [h["train_recall"][1] for h in history],
    )
    assert display.ax_[1].get_ylabel() == "training recall"
    assert display.figure_._suptitle.get_text() == "one-liner"


def test_it_draws_on_the_axes_it_is_given(early_stopped):
    figure, axes = plt.subplots(3, 1)
    display = TrainingHistoryDisplay.from_estimator(early_stopped, ax=axes)
    assert display.figure_ is figure
    assert list(display.ax_) == list(axes)
    with pytest.raises(ValueError, match="3 Axes"):
        TrainingHistoryDisplay.from_estimator(early_stopped, ax=axes[:2])


def test_it_needs_a_fitted_lstm_classifier():
    with pytest.raises(NotFittedError):
        TrainingHistoryDisplay.from_estimator(LSTMSequenceClassifier())
    X, y = mean_sign_task()
    logistic = LogisticRegression().fit(X[:, :, 0], y)
    with pytest.raises(TypeError, match="LSTMSequenceClassifier"):
        TrainingHistoryDisplay.from_estimator(logistic)
    with pytest.raises(ValueError, match="empty"):
        TrainingHistoryDisplay(history=[]).plot()


def test_without_matplotlib_the_error_names_the_extra(early_stopped, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"sklstm\[plot\]"):
        TrainingHistoryDisplay.from_estimator(early_stopped)
