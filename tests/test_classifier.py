"""LSTMSequenceClassifier through its public API."""

import pickle
import warnings

import conftest
import numpy as np
import pytest
import torch
from conftest import mean_sign_task, ragged_task, rare_shift_task
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.metrics import balanced_accuracy_score, get_scorer, recall_score
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    cross_validate,
)
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import LSTMSequenceClassifier
from sklstm._batching import stratified_split
from sklstm._early_stopping import KeptEpoch
from sklstm.exceptions import CollapseWarning, TrainingDivergedError
from sklstm.resampling import SequenceSMOTE

# Constant learning rate: several tests cut or extend runs and compare epochs.
FAST = dict(conftest.FAST, max_epochs=15, lr_schedule="constant")


# -- the problem sklstm exists for ---------------------------------------------


def test_plain_lstm_collapses_and_balanced_weights_cure_it():
    # A plain LSTM (no FCN branch) on a faint 95/5 shift in white noise.
    X, y = rare_shift_task(600, seed=0)
    X_test, y_test = rare_shift_task(600, seed=100)
    lstm = dict(fcn_width=None, random_state=0)

    with pytest.warns(CollapseWarning, match="class_weight='balanced'"):
        plain = LSTMSequenceClassifier(**lstm).fit(X, y)
    assert np.all(plain.predict(X_test) == 0)

    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapseWarning)
        cured = LSTMSequenceClassifier(**lstm, class_weight="balanced").fit(X, y)
    assert recall_score(y_test, cured.predict(X_test)) > 0.5


@pytest.mark.slow
def test_balanced_weights_raise_minority_recall_at_the_defaults():
    # With the default FCN branch the same kind of task is fitted closely
    # (white noise has shapes to memorise): the default model leans on the
    # majority but no longer predicts it alone, and class_weight='balanced'
    # raises its minority recall (here 0.21 -> 0.28; over the data seeds of
    # benchmarks/faint_signal.py 0.10 -> 0.23 on average).
    X, y = rare_shift_task(600, seed=1)
    X_test, y_test = rare_shift_task(600, seed=101)
    plain = LSTMSequenceClassifier(random_state=0).fit(X, y)
    cured = LSTMSequenceClassifier(class_weight="balanced", random_state=0)
    cured.fit(X, y)
    plain_recall = recall_score(y_test, plain.predict(X_test))
    cured_recall = recall_score(y_test, cured.predict(X_test))
    assert cured_recall >= 0.2 and cured_recall > plain_recall + 0.05


def test_collapse_guard_reads_the_validation_split():
    X, y = rare_shift_task(600, seed=0)
    clf = LSTMSequenceClassifier(
        fcn_width=None, early_stopping=True, refit=False, random_state=0
    )
    with pytest.warns(CollapseWarning, match="validation sequences") as record:
        clf.fit(X, y)
    # Attributed to the caller's line, past sklstm's and scikit-learn's frames.
    assert {w.filename for w in record} == {__file__}


# -- input layouts ---------------------------------------------------------------


def test_2d_input_is_univariate():
    X, y = mean_sign_task(channels=1)
    clf = LSTMSequenceClassifier(**FAST).fit(X[:, :, 0], y)
    assert clf.n_channels_ == 1 and clf.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(clf.predict_proba(X[:, :, 0]), clf.predict_proba(X))


def test_string_labels_multiclass():
    X, _ = mean_sign_task(n=150)
    labels = np.array(["low", "mid", "high"])[
        np.digitize(X[:, :, 0].mean(1), [-0.15, 0.15])
    ]
    clf = LSTMSequenceClassifier(**FAST).fit(X, labels)
    assert list(clf.classes_) == ["high", "low", "mid"]
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64 and proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(1)])
    assert clf.score(X, labels) > 0.6


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_ragged_proba_does_not_depend_on_batch_mates(pooling, bidirectional):
    X, y = ragged_task()
    clf = LSTMSequenceClassifier(
        **FAST, batch_size=16, pooling=pooling, bidirectional=bidirectional
    ).fit(X, y)
    together = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X[:20]])
    np.testing.assert_allclose(together[:20], alone, atol=1e-6)
    shuffled = clf.predict_proba(X[::-1])[::-1]
    np.testing.assert_allclose(together, shuffled, atol=1e-6)
    assert not hasattr(clf, "n_features_in_")


def test_ragged_lists_accept_1d_sequences_and_object_arrays():
    X, y = ragged_task(channels=1)
    flat = [x[:, 0] for x in X]
    clf = LSTMSequenceClassifier(**FAST).fit(flat, y)
    as_object = np.empty(len(flat), dtype=object)
    as_object[:] = flat
    np.testing.assert_array_equal(clf.predict_proba(flat), clf.predict_proba(X))
    np.testing.assert_array_equal(clf.predict_proba(as_object), clf.predict_proba(X))


def test_fixed_length_model_predicts_on_ragged_lists():
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    ragged = [X[0], X[1, :5], X[2, :7]]
    expected = clf.predict_proba(X[:1])
    np.testing.assert_allclose(clf.predict_proba(ragged)[:1], expected, atol=1e-6)


# -- the network's summary of each sequence ---------------------------------------


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_padding_never_reaches_the_output(pooling):
    X, y = ragged_task()
    clf = LSTMSequenceClassifier(
        **FAST, pooling=pooling, bidirectional=True, num_layers=2
    ).fit(X, y)
    short = X[0][:3]
    # The same sequence, padded with garbage to length 40 inside a batch of a
    # long sequence, through the network directly.
    module = clf.module_.eval()
    batch = np.zeros((2, 40, 2), dtype=np.float32)
    batch[0, :3] = short
    batch[0, 3:] = 1e3
    batch[1] = np.random.RandomState(1).normal(size=(40, 2))
    with torch.inference_mode():
        padded = module(torch.from_numpy(batch), torch.tensor([3, 40]))[0]
        alone = module(torch.from_numpy(short[None].astype(np.float32)))[0]
    torch.testing.assert_close(padded, alone, atol=1e-5, rtol=1e-5)


def test_bidirectional_summary_is_forward_end_and_backward_start():
    X, y = ragged_task()
    clf = LSTMSequenceClassifier(**FAST, bidirectional=True).fit(X, y)
    lstm = clf.module_.layers[-1].eval()
    x = torch.from_numpy(X[3].astype(np.float32))[None]
    with torch.inference_mode():
        output, (h_n, _) = lstm(x)
    hidden = lstm.hidden_size
    torch.testing.assert_close(h_n[-2, 0], output[0, -1, :hidden])
    torch.testing.assert_close(h_n[-1, 0], output[0, 0, hidden:])


# -- training options ------------------------------------------------------------


def test_same_random_state_gives_identical_probabilities():
    X, y = mean_sign_task()
    params = dict(FAST, dropout=0.3, num_layers=2, early_stopping=True)
    a = LSTMSequenceClassifier(**params).fit(X, y).predict_proba(X)
    b = LSTMSequenceClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = LSTMSequenceClassifier(**dict(params, random_state=1)).fit(X, y)
    assert not np.array_equal(a, c.predict_proba(X))


def test_fit_leaves_torch_global_rng_alone():
    X, y = mean_sign_task()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    LSTMSequenceClassifier(**FAST).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_optimizers_with_l1_and_l2(optimizer):
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(
        **dict(FAST, learning_rate=5e-2),
        optimizer=optimizer,
        weight_decay=1e-3,
        l1=1e-4,
        clip_grad_norm=None,
    ).fit(X, y)
    assert clf.score(X, y) > 0.75
    # One fused kernel updates every parameter on a CPU.
    assert clf.optimizer_.param_groups[0]["fused"] is True


def test_optimizers_without_fused_kernels_train(monkeypatch):
    class Unfused(torch.optim.Adam):
        """Adam where fused kernels are missing (a device, an older torch)."""

        def __init__(self, params, **kwargs):
            if kwargs.get("fused"):
                raise RuntimeError("`fused=True` requires ... supported devices")
            super().__init__(params, **kwargs)

    monkeypatch.setattr(torch.optim, "Adam", Unfused)
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    assert type(clf.optimizer_) is Unfused
    assert not clf.optimizer_.param_groups[0]["fused"]


def test_l1_shrinks_the_weights():
    X, y = mean_sign_task()

    def weight_mass(**extra):
        clf = LSTMSequenceClassifier(**FAST, **extra).fit(X, y)
        return sum(
            p.abs().sum().item()
            for name, p in clf.module_.named_parameters()
            if "weight" in name
        )

    assert weight_mass(l1=1e-2) < 0.8 * weight_mass()


def test_class_weight_and_sample_weight_reach_the_loss():
    X, y = rare_shift_task(400, seed=0, shift=0.6, rate=0.1)
    minority = y == 1

    def minority_share(**fit_params):
        params = fit_params.pop("params", {})
        clf = LSTMSequenceClassifier(**FAST, **params).fit(X, y, **fit_params)
        return clf.predict(X).mean()

    plain = minority_share()
    by_dict = minority_share(params=dict(class_weight={0: 1.0, 1: 9.0}))
    by_weight = minority_share(sample_weight=np.where(minority, 9.0, 1.0))
    assert by_dict > plain and by_weight > plain
    # Zero weight on the minority: the model never learns to predict it.
    assert minority_share(sample_weight=np.where(minority, 0.0, 1.0)) == 0.0


def test_sample_weight_scale_does_not_matter():
    X, y = mean_sign_task()
    a = LSTMSequenceClassifier(**FAST).fit(X, y, sample_weight=np.full(len(y), 3.0))
    b = LSTMSequenceClassifier(**FAST).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)


def test_balanced_class_weight_follows_the_fold():
    X, y = rare_shift_task(200, seed=0, rate=0.2)
    clf = LSTMSequenceClassifier(**FAST, class_weight="balanced")
    fold_a = clf.fit(X[:100], y[:100]).predict_proba(X)
    manual = np.bincount(y[:100])
    weights = (100 / (2 * manual))[y[:100]]
    fold_b = (
        LSTMSequenceClassifier(**FAST)
        .fit(X[:100], y[:100], sample_weight=weights)
        .predict_proba(X)
    )
    np.testing.assert_allclose(fold_a, fold_b, atol=1e-6)


def test_early_stopping_restores_the_best_epoch():
    X, y = mean_sign_task(n=200)
    clf = LSTMSequenceClassifier(
        **dict(FAST, max_epochs=60, learning_rate=5e-2),
        early_stopping=True,
        refit=False,
        n_iter_no_change=3,
        scoring="balanced_accuracy",
    ).fit(X, y)
    scores = [h["valid_score"] for h in clf.history_]
    assert clf.n_epochs_ == len(clf.history_) < 60
    assert clf.best_epoch_ == 1 + int(np.argmax(scores))
    # Patience: n_iter_no_change epochs, or a fifth of the fit's if more.
    assert clf.n_epochs_ == clf.best_epoch_ + max(3, 60 // 5)
    best = clf.history_[clf.best_epoch_ - 1]
    assert set(best["valid_recall"]) == {0, 1}
    # The same run cut at the best epoch ends with the weights restored above.
    cut = LSTMSequenceClassifier(
        **dict(FAST, max_epochs=clf.best_epoch_, learning_rate=5e-2),
        early_stopping=True,
        refit=False,
        n_iter_no_change=100,
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert cut.best_epoch_ == clf.best_epoch_
    np.testing.assert_array_equal(cut.predict_proba(X), clf.predict_proba(X))


def test_early_stopping_refits_a_network_on_all_the_training_data():
    X, y = mean_sign_task(n=120)
    params = dict(FAST, max_epochs=12, early_stopping=True, n_iter_no_change=2)
    chosen = LSTMSequenceClassifier(**params, refit=False).fit(X, y)
    clf = LSTMSequenceClassifier(**params).fit(X, y)
    validated = [h for h in clf.history_ if not h.get("refit")]
    refitted = [h for h in clf.history_ if h.get("refit")]
    # The same epochs choose the length (a tenth of each class held out) ...
    assert [h["valid_loss"] for h in validated] == [
        h["valid_loss"] for h in chosen.history_
    ]
    n_train = 120 - sum(np.ceil(0.1 * np.bincount(y)).astype(int))
    assert all(sum(h["train_class_counts"].values()) == n_train for h in validated)
    # ... then a fresh network trains on all 120 rows for the epochs up to the
    # chosen one, at least three quarters of the fit's, numbered on, and is the
    # one kept.
    assert len(refitted) == max(chosen.best_epoch_, 9)
    assert all(sum(h["train_class_counts"].values()) == 120 for h in refitted)
    assert not any("valid_loss" in h for h in refitted)
    assert [h["epoch"] for h in clf.history_] == list(range(1, clf.n_epochs_ + 1))
    assert clf.best_epoch_ == clf.n_epochs_
    assert balanced_accuracy_score(y, clf.predict(X)) > 0.9


def test_early_stopping_waits_out_the_warm_up_and_a_fifth_of_the_epochs():
    X, y = mean_sign_task(n=60)
    params = dict(FAST, max_epochs=20, early_stopping=True, refit=False)
    params.update(lr_schedule="onecycle", warmup_fraction=0.5, n_iter_no_change=1)
    flat = LSTMSequenceClassifier(**params, scoring=lambda est, X, y: 0.5)
    # No score beats the first; patience is max(1, 20 / 5) = 4 epochs, but the
    # warm-up spans epochs 1-10.
    assert flat.fit(X, y).n_epochs_ == 11 and flat.best_epoch_ <= 7
    flat.set_params(warmup_fraction=0.0)
    assert flat.fit(X, y).n_epochs_ == flat.best_epoch_ + 4


def test_a_collapsed_epoch_never_beats_one_that_did_not_collapse():
    module = torch.nn.Linear(1, 1)
    kept = KeptEpoch(module, 1, patience=10)
    collapsed = np.array([[9, 0], [1, 0]])  # every prediction is class 0
    spread = np.array([[8, 1], [0, 1]])
    kept.update(1, module, -0.2, collapsed)
    kept.update(2, module, -0.5, spread)  # scored lower, but not collapsed
    assert kept.epoch == 2
    kept.update(3, module, -0.1, collapsed)
    assert kept.epoch == 2
    kept.update(4, module, -0.4, spread)
    assert kept.epoch == 4


def test_validation_split_is_stratified_and_sized():
    X, y = rare_shift_task(300, seed=0, rate=0.1)
    seen = []

    def recording_scorer(estimator, X_valid, y_valid):
        seen.append(np.bincount(y_valid, minlength=2))
        return balanced_accuracy_score(y_valid, estimator.predict(X_valid))

    LSTMSequenceClassifier(
        **dict(FAST, max_epochs=2), early_stopping=True, scoring=recording_scorer
    ).fit(X, y)
    counts = np.bincount(y)
    np.testing.assert_array_equal(seen[0], np.ceil(0.1 * counts))
    np.testing.assert_array_equal(seen[0], seen[1])


@pytest.mark.parametrize(
    "scoring", ["balanced_accuracy", "f1_macro", "roc_auc", "average_precision"]
)
def test_early_stopping_monitors_the_named_scorer(scoring):
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(
        **FAST, early_stopping=True, refit=False, scoring=scoring, n_iter_no_change=2
    ).fit(X, y)
    # The split is the first draw of random_state (see fit's docstring).
    _, valid, _ = stratified_split(y, clf.validation_fraction, np.random.RandomState(0))
    kept = clf.history_[clf.best_epoch_ - 1]
    # The kept epoch is the best by that score, and the score is the scorer's
    # on the validation rows, with the kept weights.
    assert kept["valid_score"] == max(h["valid_score"] for h in clf.history_)
    assert kept["valid_score"] == pytest.approx(
        get_scorer(scoring)(clf, X[valid], y[valid]), abs=1e-6
    )


def test_history_records_the_epoch_without_a_split():
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    assert clf.n_epochs_ == len(clf.history_) == 15 == clf.best_epoch_
    entry = clf.history_[-1]
    assert {"epoch", "train_loss", "train_recall", "train_majority_share"} <= set(entry)
    assert not any(key.startswith("valid") for key in entry)
    assert 0.5 <= entry["train_majority_share"] <= 1.0
    assert clf.history_[-1]["train_loss"] < clf.history_[0]["train_loss"]


def test_single_sample_class_stays_in_training_with_a_warning():
    X, y = mean_sign_task(n=60)
    y = y.copy()
    y[0] = 2
    clf = LSTMSequenceClassifier(**FAST, early_stopping=True)
    with pytest.warns(UserWarning, match=r"Classes \[2\] have a single sample"):
        clf.fit(X, y)
    assert np.isnan(clf.history_[0]["valid_recall"][2])
    assert clf.predict_proba(X).shape == (60, 3)


def test_no_class_can_be_split_falls_back_to_plain_training():
    X, y = mean_sign_task(n=2)
    y = np.array([0, 1])
    with pytest.warns(UserWarning, match="training without early stopping"):
        clf = LSTMSequenceClassifier(**FAST, early_stopping=True).fit(X, y)
    assert "valid_loss" not in clf.history_[0]


def test_warm_start_continues_training():
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**dict(FAST, max_epochs=5), warm_start=True)
    clf.fit(X, y)
    first = clf.history_[-1]["train_loss"]
    clf.fit(X, y)
    assert clf.n_epochs_ == 10 and [h["epoch"] for h in clf.history_] == list(
        range(1, 11)
    )
    assert clf.history_[-1]["train_loss"] < first
    cold = LSTMSequenceClassifier(**dict(FAST, max_epochs=5)).fit(X, y)
    assert cold.n_epochs_ == 5


@pytest.mark.slow
def test_max_steps_sets_the_epochs_when_max_epochs_is_none():
    X, y = mean_sign_task(n=40)
    # Budgets only: no fit here may stop because it has converged.
    params = dict(FAST, max_epochs=None, batch_size=16, convergence_loss=None)
    # 40 rows in batches of 16: 3 steps per epoch, so 10 steps take 4 epochs.
    clf = LSTMSequenceClassifier(**params, max_steps=10).fit(X, y)
    assert clf.n_epochs_ == 4
    small = LSTMSequenceClassifier(**params, max_steps=10).fit(X[:16], y[:16])
    assert small.n_epochs_ == 10
    fixed = LSTMSequenceClassifier(**dict(params, max_epochs=2), max_steps=10)
    assert fixed.fit(X, y).n_epochs_ == 2
    warm = LSTMSequenceClassifier(**params, max_steps=10, warm_start=True)
    assert warm.fit(X, y).fit(X, y).n_epochs_ == 8
    # 'auto': 700 steps for real values, 1000 for token ids; 350 rows in
    # batches of 175 take 2 steps per epoch.
    X, y = mean_sign_task(n=350, steps=2)
    params = dict(params, hidden_size=1, batch_size=175)
    assert LSTMSequenceClassifier(**params).fit(X, y).n_epochs_ == 350
    tokens = [np.array([1 + label]) for label in y]
    text = LSTMSequenceClassifier(**params, embedding_dim=1).fit(tokens, y)
    assert text.n_epochs_ == 500
    # With the FCN branch, more classes take more steps: 700 * sqrt(16 / 4) =
    # 1400, in 700 epochs (the plain LSTM keeps 700).
    fcn = dict(params, fcn_width=1)
    labels = np.arange(350) % 16
    assert LSTMSequenceClassifier(**fcn).fit(X, labels).n_epochs_ == 700
    assert LSTMSequenceClassifier(**params).fit(X, labels).n_epochs_ == 350
    # And at least 60 epochs: 700 rows in batches of 16 take 44 steps each.
    X, y = mean_sign_task(n=700, steps=2)
    assert LSTMSequenceClassifier(**dict(fcn, batch_size=16)).fit(X, y).n_epochs_ == 60


@pytest.mark.slow
def test_a_fit_stops_once_the_training_data_are_fitted():
    X, y = mean_sign_task(n=40)
    params = dict(FAST, max_epochs=300)
    clf = LSTMSequenceClassifier(**params).fit(X, y)
    # Stopped after n_iter_no_change epochs of a training cross-entropy
    # (here the training loss) below convergence_loss, and says so.
    assert clf.n_epochs_ < 300
    assert clf.history_[-1]["converged"] is True
    assert [e["train_loss"] < 1e-3 for e in clf.history_[-11:]] == [False] + [True] * 10
    assert not any("converged" in e for e in clf.history_[:-1])
    assert clf.best_epoch_ == clf.n_epochs_
    # A looser level stops sooner, a longer patience later, None never.
    loose = LSTMSequenceClassifier(**params, convergence_loss=1e-2).fit(X, y)
    assert loose.n_epochs_ < clf.n_epochs_
    patient = LSTMSequenceClassifier(**params, n_iter_no_change=20).fit(X, y)
    assert patient.n_epochs_ == clf.n_epochs_ + 10
    full = LSTMSequenceClassifier(**params, convergence_loss=None).fit(X, y)
    assert full.n_epochs_ == 300
    assert not any("converged" in e for e in full.history_)
    # The level is on the cross-entropy, not on the objective: the focal loss
    # of this fit is far below it long before its predictions' cross-entropy.
    focal = LSTMSequenceClassifier(**params, loss="focal").fit(X, y)
    assert max(e["train_loss"] for e in focal.history_[100:]) < 2e-4
    assert focal.n_epochs_ == 300


@pytest.mark.slow
def test_resolved_params_train_the_same_network_the_same_way():
    X, y = mean_sign_task(n=40)
    clf = LSTMSequenceClassifier(hidden_size=4, random_state=0).fit(X, y)
    assert clf.resolved_params_ == {
        "bidirectional": False,
        "pooling": "last",
        "downsample": 1,
        "fcn_width": 64,
        "position_embedding": False,
        "token_dropout": 0.0,
        "learning_rate": 0.01,
        "max_steps": 700,
    }
    cases = [(X, y, {})]
    # Long series: downsample='auto' averages runs of ceil(200 / 64) steps.
    rng = np.random.RandomState(0)
    long = rng.normal(size=(30, 200, 1)).astype(np.float32)
    cases.append((long, np.arange(30) % 2, {"max_steps": 20, "device": "auto"}))
    # Token ids: the embedding, positions, token dropout and LSTM as 'auto' picks.
    tokens = [rng.randint(1, 6, size=rng.randint(3, 9)) for _ in range(30)]
    token_params = {"max_steps": 20, "embedding_dim": "auto"}
    cases.append((tokens, np.arange(30) % 2, token_params))
    resolved = []
    for X, y, params in cases:
        params = dict(params, hidden_size=4, random_state=0)
        clf = LSTMSequenceClassifier(**params).fit(X, y)
        assert "auto" not in clf.resolved_params_.values()
        again = LSTMSequenceClassifier(**{**params, **clf.resolved_params_}).fit(X, y)
        assert again.resolved_params_ == {}
        assert again.n_epochs_ == clf.n_epochs_
        np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
        resolved.append(clf.resolved_params_)
    assert resolved[1]["downsample"] == 4
    assert resolved[1]["device"] == "cpu"
    assert resolved[2]["embedding_dim"] == 5
    assert resolved[2]["bidirectional"] is True
    assert resolved[2]["fcn_width"] is None


def test_partial_fit_trains_one_epoch_per_call():
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST)
    clf.partial_fit(X[:60], y[:60], classes=[0, 1])
    clf.partial_fit(X[60:], y[60:])
    assert clf.n_epochs_ == 2
    with pytest.raises(ValueError, match=r"labels \[7\] not seen in the first fit"):
        clf.partial_fit(X[:10], np.full(10, 7))
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X[:10], y[:10], classes=[0, 1, 2])


def test_n_threads_applies_only_during_fit_and_predict(monkeypatch):
    X, y = mean_sign_task()
    seen = []
    original = torch.nn.LSTM.forward

    def spy(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.nn.LSTM, "forward", spy)
    before = torch.get_num_threads()
    clf = LSTMSequenceClassifier(**FAST, n_threads=2).fit(X, y)
    clf.predict(X)
    assert set(seen) == {2}
    assert torch.get_num_threads() == before


def test_verbose_shows_a_progress_bar(capsys):
    X, y = mean_sign_task()
    LSTMSequenceClassifier(**FAST, verbose=1, early_stopping=True).fit(X, y)
    err = capsys.readouterr().err
    assert "fit" in err and "train_loss" in err and "valid_loss" in err


def test_device_cuda_without_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    X, y = mean_sign_task()
    with pytest.raises(ValueError, match="no usable CUDA device"):
        LSTMSequenceClassifier(**FAST, device="cuda").fit(X, y)
    clf = LSTMSequenceClassifier(**FAST, device="auto").fit(X, y)
    assert clf.device_ == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    X, y = mean_sign_task()
    cpu = LSTMSequenceClassifier(**FAST).fit(X, y)
    gpu = LSTMSequenceClassifier(**FAST, device="cuda").fit(X, y)
    assert gpu.device_ == "cuda"
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-2)


# -- state -----------------------------------------------------------------------


def test_pickle_round_trip_keeps_predictions_and_training_state():
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST, warm_start=True).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.history_ == clf.history_
    restored.fit(X, y)
    assert restored.n_epochs_ == 30
    assert hasattr(clf, "module_")  # pickling does not strip the original


def test_unpickling_a_gpu_model_without_gpu_lands_on_cpu():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    clf.device_ = "cuda"  # as if fitted on a GPU machine
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.device_ == "cpu"
    assert restored.predict(X).shape == y.shape


def test_a_clone_of_a_fitted_model_refits_to_the_same_model():
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST, class_weight="balanced").fit(X, y)
    twin = clone(clf)
    assert not hasattr(twin, "module_")  # a clone carries no fitted state
    np.testing.assert_array_equal(twin.fit(X, y).predict_proba(X), clf.predict_proba(X))


# -- scikit-learn tools wrap it unchanged -------------------------------------------


def test_grid_search_over_class_weight_stratifies_3d_data():
    X, y = rare_shift_task(240, seed=0, shift=0.6, rate=0.15)
    test_fold_minorities = []

    def recording_scorer(estimator, X_test, y_test):
        test_fold_minorities.append(int(np.sum(y_test == 1)))
        return balanced_accuracy_score(y_test, estimator.predict(X_test))

    search = GridSearchCV(
        LSTMSequenceClassifier(**FAST),
        {"class_weight": [None, "balanced"]},
        scoring=recording_scorer,
        cv=3,
    )
    search.fit(X, y)
    # cv=3 on a classifier of 3-D data means stratified folds: each test fold
    # holds a third of the minority class, for every candidate.
    assert len(test_fold_minorities) == 6
    assert max(test_fold_minorities) - min(test_fold_minorities) <= 1
    # The cure shows in the search: balanced weights score higher.
    scores = dict(
        zip(
            [p["class_weight"] for p in search.cv_results_["params"]],
            search.cv_results_["mean_test_score"],
            strict=True,
        )
    )
    assert scores["balanced"] > scores[None]
    assert search.best_params_ == {"class_weight": "balanced"}


def test_cross_validate_on_ragged_lists():
    X, y = ragged_task()
    result = cross_validate(
        LSTMSequenceClassifier(**FAST),
        X,
        y,
        cv=StratifiedKFold(3),
        scoring=["balanced_accuracy", "roc_auc"],
    )
    assert result["test_balanced_accuracy"].mean() > 0.6


def test_tuned_threshold_and_calibration_wrap_it():
    X, y = rare_shift_task(300, seed=0, shift=0.6, rate=0.2)
    labels = np.array(["common", "rare"])[y]  # the positive class sorts last
    tuned = TunedThresholdClassifierCV(
        LSTMSequenceClassifier(**FAST), scoring="balanced_accuracy", cv=3
    ).fit(X, labels)
    # predict_proba's second column is the positive class: thresholding it
    # at the tuned threshold is what the tuned classifier predicts.
    rare = tuned.estimator_.predict_proba(X)[:, 1] >= tuned.best_threshold_
    np.testing.assert_array_equal(tuned.predict(X), np.where(rare, "rare", "common"))
    calibrated = CalibratedClassifierCV(LSTMSequenceClassifier(**FAST), cv=3)
    calibrated.fit(X, labels)
    np.testing.assert_array_equal(calibrated.classes_, ["common", "rare"])
    # Sigmoid calibration of each fold's model: probabilities move, ranks
    # within a fold's model do not.
    fold = calibrated.calibrated_classifiers_[0]
    raw = fold.estimator.predict_proba(X)[:, 1]
    mapped = fold.predict_proba(X)[:, 1]
    assert not np.allclose(raw, mapped)
    assert np.all(np.diff(mapped[np.argsort(raw)]) >= -1e-12)


# -- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.nan, r"contains NaN \(in sequence 3\).*preprocessing.SequenceImputer"),
        (-np.inf, r"contains infinity \(in sequence 3\)"),
    ],
)
def test_non_finite_input_is_rejected(value, message):
    X, y = mean_sign_task()
    X[3, 4, 1] = value
    with pytest.raises(ValueError, match=message):
        LSTMSequenceClassifier(**FAST).fit(X, y)
    ragged = list(X)
    ragged[0] = ragged[0][:5]
    with pytest.raises(ValueError, match=message):
        LSTMSequenceClassifier(**FAST).fit(ragged, y)
    clf = LSTMSequenceClassifier(**FAST).fit(np.nan_to_num(X, neginf=0), y)
    with pytest.raises(ValueError, match=message):
        clf.predict(X)
    with pytest.raises(ValueError, match=message):
        SequenceSMOTE().fit_resample(X, y)


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.zeros(10), "Expected 2D array, got 1D array"),
        (np.zeros((10, 3, 2, 2)), "got a 4-D array"),
        (np.zeros((0, 5, 2)), "0 sample"),
    ],
)
def test_wrong_dimensions_are_rejected(X, message):
    with pytest.raises(ValueError, match=message):
        LSTMSequenceClassifier(**FAST).fit(X, np.arange(len(X)) % 2)


def test_inconsistent_lengths_and_labels():
    X, y = mean_sign_task()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LSTMSequenceClassifier(**FAST).fit(X, y[:-1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LSTMSequenceClassifier(**FAST).fit(list(ragged_task()[0]), y[:10])
    with pytest.raises(ValueError, match=r"only one class: 0\.0\.$"):
        LSTMSequenceClassifier(**FAST).fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        LSTMSequenceClassifier(**FAST).fit(X, np.linspace(0, 1, len(y)))


def test_ragged_input_errors_name_the_sequence():
    X, y = ragged_task()
    bad = list(X)
    bad[4] = np.zeros((0, 2))
    with pytest.raises(ValueError, match="Sequence 4 of X has length 0"):
        LSTMSequenceClassifier(**FAST).fit(bad, y)
    bad = list(X)
    bad[2] = np.zeros((5, 3))
    with pytest.raises(ValueError, match="sequence 2 has 3"):
        LSTMSequenceClassifier(**FAST).fit(bad, y)
    bad = list(X)
    bad[1] = np.zeros((5, 2, 2))
    with pytest.raises(ValueError, match="sequence 1 has shape"):
        LSTMSequenceClassifier(**FAST).fit(bad, y)
    bad = list(X)
    bad[6] = ["a", "b"]
    with pytest.raises(ValueError, match="Sequence 6 of X could not be converted"):
        LSTMSequenceClassifier(**FAST).fit(bad, y)


def test_predict_checks_channels_and_length():
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"3 features \(channels\).*fitted with 2"):
        clf.predict(np.zeros((4, 12, 3)))
    with pytest.raises(ValueError, match="3 features \\(channels\\)"):
        clf.predict([np.zeros((4, 3)), np.zeros((6, 3))])
    with pytest.raises(ValueError, match=r"sequences of 7 time steps.*12 steps"):
        clf.predict(np.zeros((4, 7, 2)))


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        LSTMSequenceClassifier().predict(np.zeros((2, 3, 1)))


@pytest.mark.parametrize(
    "params",
    [
        {"hidden_size": 0},
        {"dropout": 1.0},
        {"pooling": "first"},
        {"optimizer": "rmsprop"},
        {"class_weight": "auto"},
        {"scoring": "not_a_scorer"},
        {"validation_fraction": 1.0},
        {"device": "tpu"},
        {"learning_rate": 0},
    ],
)
def test_invalid_hyper_parameters(params):
    X, y = mean_sign_task()
    with pytest.raises(InvalidParameterError):
        LSTMSequenceClassifier(**params).fit(X, y)


def test_negative_or_all_zero_sample_weights():
    X, y = mean_sign_task()
    with pytest.raises(ValueError, match=r"[Nn]egative"):
        LSTMSequenceClassifier(**FAST).fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="non-zero"):
        LSTMSequenceClassifier(**FAST).fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="sum to zero"):
        LSTMSequenceClassifier(**FAST, class_weight={0: 0, 1: 0}).fit(X, y)


def test_diverging_loss_stops_with_advice():
    X, y = mean_sign_task()
    # SGD whose weight decay overshoots: each step multiplies the weights by
    # about -9, so they overflow within a few epochs.
    clf = LSTMSequenceClassifier(
        **dict(FAST, learning_rate=10.0), optimizer="sgd", weight_decay=1.0
    )
    with pytest.raises(TrainingDivergedError, match="lower learning_rate"):
        clf.fit(X, y)
    assert not hasattr(clf, "module_")


def test_diverging_warm_start_rolls_back():
    X, y = mean_sign_task()
    clf = LSTMSequenceClassifier(**FAST, warm_start=True, optimizer="sgd").fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(learning_rate=10.0, weight_decay=1.0)
    with pytest.raises(TrainingDivergedError):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
