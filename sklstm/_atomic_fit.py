"""Fitting that either succeeds or leaves the estimator exactly as it was.

Validation sets fitted attributes as it goes (``n_features_in_``,
``feature_names_in_``, ``n_channels_``, ``vocabulary_`` ...), so a ``fit`` that
fails half-way would leave a fitted model with some attributes of the old fit
and some of the failed one. :func:`atomic_fit` wraps scikit-learn's
``_fit_context`` and puts every attribute back when the call raises.
"""

import functools

from sklstm._compat import _fit_context


class KeepFittedState:
    """Mixin of an exception after which the estimator keeps its new state.

    ``LSTMSequenceClassifier`` re-raises an interruption only after it has
    stored what it learnt; :func:`atomic_fit` must not undo that.
    """


def atomic_fit(*, prefer_skip_nested_validation):
    """Decorator of ``fit``-like methods: scikit-learn's ``_fit_context`` (which
    validates the parameters), plus a rollback of ``vars(estimator)`` when the
    call raises anything but a :class:`KeepFittedState` exception.

    Attribute values are restored by reference: a method that changes a fitted
    object in place (a torch module, say) must work on a copy of it and assign
    the copy at the end.
    """

    def decorator(fit_method):
        validated = _fit_context(
            prefer_skip_nested_validation=prefer_skip_nested_validation
        )(fit_method)

        @functools.wraps(fit_method)
        def wrapper(estimator, *args, **kwargs):
            before = dict(vars(estimator))
            try:
                return validated(estimator, *args, **kwargs)
            except BaseException as exc:
                if not isinstance(exc, KeepFittedState):
                    vars(estimator).clear()
                    vars(estimator).update(before)
                raise

        return wrapper

    return decorator
