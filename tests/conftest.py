"""What the tests share: settings, the small training presets, the data
generators, and silence for the collapse warning (tests that expect it ask
with ``pytest.warns``).

Test modules import the presets and generators with ``from conftest import
...`` (``pythonpath = ["tests"]`` in ``pyproject.toml``).
"""

import os
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

from sklstm.exceptions import CollapseWarning

# One intra-op thread: tiny networks run faster without thread hand-offs, and
# results do not depend on the machine's core count.
torch.set_num_threads(1)

# Property tests: random examples locally, a fixed sequence of them on CI.
common = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "sklstm", max_examples=100, derandomize=bool(os.environ.get("CI")), **common
)
settings.register_profile("thorough", max_examples=1000, **common)
settings.load_profile(os.environ.get("SKLSTM_HYPOTHESIS_PROFILE", "sklstm"))

# A small network trained briefly, without the FCN branch (tests of the branch
# ask for it): modules vary it with dict(FAST, ...).
FAST = dict(
    hidden_size=8, max_epochs=6, learning_rate=2e-2, fcn_width=None, random_state=0
)


@pytest.fixture(autouse=True)
def _ignore_collapse_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        yield


def mean_sign_task(n=120, steps=12, channels=2, seed=0, scale=1.0):
    """Label = sign of channel 0's mean: easy, balanced, fixed length."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, steps, channels)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    return X * np.float32(scale), y


def ragged_task(n=80, seed=0, channels=2, max_length=20):
    """Variable-length sequences (1 to max_length - 1 steps) labelled by the
    sign of channel 0's mean."""
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(1, max_length), channels)) for _ in range(n)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    return X, y


def rare_shift_task(n, seed=0, shift=0.25, rate=0.05, steps=30):
    """Imbalanced task: minority sequences (``rate``) shifted by ``shift``."""
    rng = np.random.RandomState(seed)
    y = (rng.rand(n) < rate).astype(int)
    X = rng.normal(size=(n, steps, 1)).astype(np.float32)
    X[y == 1] += shift
    return X, y
