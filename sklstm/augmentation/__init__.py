"""Sequence augmenters: scikit-learn transformers that act in training only."""

from sklstm.augmentation._base import BaseAugmenter
from sklstm.augmentation._compose import ChainAugmenter, RandomChoiceAugmenter
from sklstm.augmentation._magnitude import (
    GaussianNoise,
    GaussianSmoothing,
    MagnitudeWarp,
    RandomScaling,
)
from sklstm.augmentation._time import TimeWarp, WindowSlice

__all__ = [
    "BaseAugmenter",
    "ChainAugmenter",
    "GaussianNoise",
    "GaussianSmoothing",
    "MagnitudeWarp",
    "RandomChoiceAugmenter",
    "RandomScaling",
    "TimeWarp",
    "WindowSlice",
]
