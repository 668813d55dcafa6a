"""Accuracy levers: conv front end, LSTM-FCN branch, attention pooling,
learning-rate schedules, per-sequence normalisation."""

import copy

import conftest
import numpy as np
import pytest
from conftest import ragged_task

from sklstm import LSTMSequenceClassifier

FAST = dict(conftest.FAST, max_epochs=4, learning_rate=1e-2)


@pytest.mark.parametrize(
    "params",
    [
        dict(conv_layers=2),
        dict(conv_layers=3, conv_kernel_size=3, conv_stride=3),
        dict(fcn_width=8),
        dict(pooling="attention"),
        dict(conv_layers=1, fcn_width=4, pooling="attention", bidirectional=True),
        dict(downsample=3),
        dict(downsample=4, fcn_width=4, conv_layers=1, pooling="mean"),
    ],
)
def test_levers_keep_padding_out_of_every_output(params):
    X, y = ragged_task(60, max_length=40)
    clf = LSTMSequenceClassifier(**{**FAST, **params}, batch_size=16).fit(X, y)
    together = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X[:15]])
    np.testing.assert_allclose(together[:15], alone, atol=1e-5)
    np.testing.assert_allclose(clf.predict_proba(X[::-1])[::-1], together, atol=1e-5)


def test_downsample_averages_each_run_of_real_steps():
    import torch

    from sklstm._network import average_steps

    rng = np.random.RandomState(0)
    x = torch.from_numpy(rng.normal(size=(2, 7, 3)).astype(np.float32))
    x[1, 5:] = 99.0  # padding after the second sequence's 5 steps: never read
    averaged, lengths = average_steps(x, torch.tensor([7, 5]), 3)
    assert lengths.tolist() == [3, 2]
    expected = [x[0, :3].mean(0), x[0, 3:6].mean(0), x[0, 6:].mean(0)]
    np.testing.assert_allclose(averaged[0], torch.stack(expected), atol=1e-6)
    expected = [x[1, :3].mean(0), x[1, 3:5].mean(0)]
    np.testing.assert_allclose(averaged[1, :2], torch.stack(expected), atol=1e-6)
    # Fixed length: no lengths in, none out; a short last run averages itself.
    averaged, lengths = average_steps(x[:1], None, 3)
    assert lengths is None and averaged.shape == (1, 3, 3)
    np.testing.assert_allclose(averaged[0, 2], x[0, 6], atol=1e-6)


@pytest.mark.parametrize(
    ("steps", "expected"),
    [(24, 1), (64, 1), (65, 2), (140, 3), (300, 4), (512, 4), (577, 5), (2000, 16)],
)
def test_downsample_auto_averages_long_series_to_33_to_128_steps(steps, expected):
    X = np.random.RandomState(0).normal(size=(8, steps, 1)).astype(np.float32)
    y = np.arange(8) % 2
    params = dict(FAST, hidden_size=2, max_epochs=1)
    clf = LSTMSequenceClassifier(**params).fit(X, y)
    assert clf.module_.spec.downsample == expected
    tokens = [np.arange(1, steps + 1) for _ in range(8)]
    text = LSTMSequenceClassifier(**params, embedding_dim=2).fit(tokens, y)
    assert text.module_.spec.downsample == 1


def test_fcn_branch_is_on_by_default_for_real_values_only():
    X, y = ragged_task(60, max_length=40)
    at_defaults = {k: v for k, v in FAST.items() if k != "fcn_width"}
    real = LSTMSequenceClassifier(**at_defaults).fit(X, y)
    widths = [block["conv"].out_channels for block in real.module_.fcn.blocks]
    assert widths == [64, 128, 64]
    tokens = [np.arange(1, 2 + i % 5) for i in range(20)]
    labels = np.arange(20) % 2
    text = LSTMSequenceClassifier(**at_defaults, embedding_dim=4).fit(tokens, labels)
    assert text.module_.fcn is None
    assert (
        LSTMSequenceClassifier(**dict(FAST, fcn_width=None)).fit(X, y).module_.fcn
        is None
    )


def test_fcn_training_statistics_ignore_padding():
    import torch

    X, y = ragged_task(60, max_length=40)
    clf = LSTMSequenceClassifier(**dict(FAST, fcn_width=4)).fit(X, y)
    rows = X[:8]
    lengths = torch.tensor([len(x) for x in rows])
    x = torch.zeros(8, int(lengths.max()), 2)
    for i, row in enumerate(rows):
        x[i, : len(row)] = torch.from_numpy(row.astype(np.float32))
    longer = torch.cat([x, torch.zeros(8, 25, 2)], dim=1)
    outputs, running = [], []
    for batch in (x, longer):
        module = copy.deepcopy(clf.module_).train()
        outputs.append(module(batch, lengths))
        running.append(module.fcn.blocks[0]["norm"].running_var.clone())
    torch.testing.assert_close(outputs[0], outputs[1], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(running[0], running[1], atol=1e-6, rtol=1e-5)


def test_conv_front_end_shortens_the_sequences_the_lstm_reads():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 100, 1)).astype(np.float32)
    y = (X[:, :50, 0].mean(1) > X[:, 50:, 0].mean(1)).astype(int)
    clf = LSTMSequenceClassifier(**FAST, conv_layers=2, conv_stride=2).fit(X, y)
    import torch

    out, _ = clf.module_.frontend(torch.from_numpy(X[:2]), None)
    assert out.shape == (2, 25, 32)


def test_fcn_branch_learns_local_shapes():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 60, 1)).astype(np.float32) * 0.3
    y = np.arange(200) % 2
    where = rng.randint(5, 50, size=200)
    for i in np.flatnonzero(y):
        X[i, where[i] : where[i] + 5, 0] += np.array([0, 2, 4, 2, 0])
    plain = LSTMSequenceClassifier(**dict(FAST, fcn_width=None)).fit(X[:150], y[:150])
    fcn = LSTMSequenceClassifier(**dict(FAST, fcn_width=16)).fit(X[:150], y[:150])
    assert fcn.score(X[150:], y[150:]) > max(0.9, plain.score(X[150:], y[150:]))


@pytest.mark.parametrize("schedule", ["cosine", "onecycle"])
def test_learning_rate_schedules(schedule):
    X, y = ragged_task(60, max_length=40)
    clf = LSTMSequenceClassifier(
        **dict(FAST, max_epochs=10), lr_schedule=schedule, warmup_fraction=0.3
    ).fit(X, y)
    rates = [h["learning_rate"] for h in clf.history_]
    assert max(rates) <= 1e-2 + 1e-12
    assert rates[0] < rates[2] and rates[-1] < 1e-4
    assert np.argmax(rates) in (2, 3)
    constant = LSTMSequenceClassifier(**FAST, lr_schedule="constant").fit(X, y)
    assert {h["learning_rate"] for h in constant.history_} == {1e-2}


def test_per_sequence_normalization_equals_normalizing_by_hand():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 20, 2)) * rng.uniform(1, 100, size=(50, 1, 2)) + 7
    X[0, :, 1] = 3.0  # a constant channel
    y = np.arange(50) % 2
    mean, std = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True)
    by_hand = ((X - mean) / np.where(std > 0, std, 1)).astype(np.float32)
    # Without the FCN branch: its batch statistics amplify float32 rounding
    # differences between the two inputs over training.
    a = LSTMSequenceClassifier(**dict(FAST, fcn_width=None), normalize="sequence")
    a.fit(X, y)
    b = LSTMSequenceClassifier(**dict(FAST, fcn_width=None)).fit(by_hand, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(by_hand), atol=1e-5)
    ragged_X = [x[: 5 + i % 10] for i, x in enumerate(X)]
    r = LSTMSequenceClassifier(**FAST, normalize="sequence").fit(ragged_X, y)
    assert np.all(np.isfinite(r.predict_proba(ragged_X)))


def test_schedules_restart_with_each_warm_fit_and_skip_partial_fit():
    X, y = ragged_task(60, max_length=40)
    clf = LSTMSequenceClassifier(**FAST, lr_schedule="cosine", warm_start=True)
    clf.fit(X, y)
    clf.set_params(learning_rate=5e-3).fit(X, y)
    first, second = clf.history_[:4], clf.history_[4:]
    assert max(h["learning_rate"] for h in first) <= 1e-2 + 1e-12
    assert 2e-3 < max(h["learning_rate"] for h in second) <= 5e-3 + 1e-12
    clf.partial_fit(X, y)
    assert clf.history_[-1]["learning_rate"] == 5e-3
