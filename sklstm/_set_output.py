"""scikit-learn's ``set_output`` for transformers of sequences.

A DataFrame holds a 2-D result (univariate series of one length, one column
per time step), not a 3-D array or a list of sequences of different lengths.
So sklstm's transformers turn 2-D results into the container that
``set_output`` or ``sklearn.set_config(transform_output=...)`` asks for, and
return 3-D arrays and lists in the input's container, instead of failing.
"""

import numpy as np
from sklearn import get_config
from sklearn.base import OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

CONTAINERS = ("default", "pandas", "polars")


class SequenceOutputMixin(TransformerMixin, auto_wrap_output_keys=None):
    """``set_output`` that wraps 2-D results only (see the module's text).

    Subclasses call :meth:`_as_output` on what ``transform`` returns; none of
    their methods is wrapped behind their back.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(auto_wrap_output_keys=None, **kwargs)

    def set_output(self, *, transform=None):
        """Set the container of ``transform`` and ``fit_transform`` results.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            The container of 2-D results (one column per time step), named by
            ``get_feature_names_out`` where the transformer has it; 3-D arrays
            and lists of sequences keep the input's container. ``"default"``:
            the transformer's own output; ``None``: unchanged.

        Returns
        -------
        self : estimator instance
        """
        if transform is None:
            return self
        if transform not in CONTAINERS:
            raise ValueError(
                f"transform must be one of {', '.join(map(repr, CONTAINERS))} or "
                f"None; got {transform!r}."
            )
        if not hasattr(self, "_sklearn_output_config"):
            self._sklearn_output_config = {}
        self._sklearn_output_config["transform"] = transform
        return self

    def _as_output(self, result, X):
        """``result`` in the configured container when it is 2-D."""
        config = getattr(self, "_sklearn_output_config", {})
        container = config.get("transform", get_config()["transform_output"])
        if container == "default" or not (
            isinstance(result, np.ndarray) and result.ndim == 2
        ):
            return result
        columns = _column_names(self, X, result.shape[1])
        if container == "pandas":
            import pandas as pd

            index = X.index if isinstance(X, pd.DataFrame) else None
            return pd.DataFrame(result, index=index, columns=columns, copy=False)
        import polars as pl

        return pl.DataFrame(result, schema=list(columns), orient="row")


class SequenceFeatureNamesMixin:
    """``get_feature_names_out`` of transformers that keep each value's place."""

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names, checked against those seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            After a fit on series of one length: one name per time step (the
            fitted DataFrame's columns, else ``x0``, ``x1``, ...). After a fit
            on variable-length sequences, which have no fixed steps:
            ``input_features`` if given, else one name per channel
            (``channel0``, ...).
        """
        check_is_fitted(self)
        if hasattr(self, "n_features_in_"):
            return OneToOneFeatureMixin.get_feature_names_out(self, input_features)
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        return np.asarray(
            [f"channel{i}" for i in range(self.n_channels_)], dtype=object
        )


def _column_names(transformer, X, width):
    """Names of a 2-D result's ``width`` columns: the transformer's feature
    names when they fit, else the input DataFrame's, else ``x0``, ``x1``..."""
    if getattr(transformer, "n_features_in_", None) == width:
        return transformer.get_feature_names_out()
    columns = getattr(X, "columns", None)
    if columns is not None and len(columns) == width:
        return np.asarray(columns, dtype=object)
    return np.asarray([f"x{i}" for i in range(width)], dtype=object)
