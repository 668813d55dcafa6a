"""sklstm: LSTM sequence classifiers for scikit-learn and imbalanced-learn."""

from sklstm._classifier import LSTMSequenceClassifier

__all__ = ["LSTMSequenceClassifier"]
__version__ = "0.1.0.dev0"
