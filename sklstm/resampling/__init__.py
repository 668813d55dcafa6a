"""Sequence-aware samplers for imbalanced-learn pipelines."""

from sklstm.resampling._adasyn import SequenceADASYN
from sklstm.resampling._augmentation import AugmentationSampler
from sklstm.resampling._flattened import FlattenedSampler
from sklstm.resampling._random import (
    SequenceRandomOverSampler,
    SequenceRandomUnderSampler,
)
from sklstm.resampling._smote import SequenceSMOTE

__all__ = [
    "AugmentationSampler",
    "FlattenedSampler",
    "SequenceADASYN",
    "SequenceRandomOverSampler",
    "SequenceRandomUnderSampler",
    "SequenceSMOTE",
]
