"""Token sequences: embedding input, TextSequencer, text pipelines."""

import conftest
import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from sklstm import LSTMSequenceClassifier
from sklstm.augmentation import GaussianNoise
from sklstm.preprocessing import TextSequencer
from sklstm.resampling import SequenceRandomOverSampler

FAST = dict(conftest.FAST, embedding_dim=8, max_epochs=10, learning_rate=3e-2)


def token_task(n=120, seed=0):
    """Class 1 sequences contain token 7; ids 1..9, lengths 2..9."""
    rng = np.random.RandomState(seed)
    y = (rng.rand(n) < 0.3).astype(int)
    X = []
    for label in y:
        x = rng.choice([1, 2, 3, 4, 5, 6, 8, 9], size=rng.randint(2, 10))
        if label:
            x[rng.randint(len(x))] = 7
        X.append(x)
    return X, y


def pad(X, width, pre=False):
    out = np.zeros((len(X), width), dtype=np.int64)
    for i, x in enumerate(X):
        if pre:
            out[i, width - len(x) :] = x
        else:
            out[i, : len(x)] = x
    return out


def test_tokens_ragged_and_padded_give_the_same_model():
    X, y = token_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    assert clf.score(X, y) > 0.9
    np.testing.assert_array_equal(clf.vocabulary_, np.arange(1, 10))
    np.testing.assert_allclose(
        clf.predict_proba(pad(X, 12)), clf.predict_proba(X), atol=1e-6
    )
    np.testing.assert_allclose(
        clf.predict_proba(pad(X, 20, pre=True)), clf.predict_proba(X), atol=1e-6
    )
    padded = LSTMSequenceClassifier(**FAST).fit(pad(X, 12), y)
    np.testing.assert_allclose(padded.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_unseen_token_ids_share_the_out_of_vocabulary_embedding():
    X, y = token_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    unseen_a = clf.predict_proba([np.array([2, 3, 1000])])
    unseen_b = clf.predict_proba([np.array([2, 3, 55])])
    np.testing.assert_array_equal(unseen_a, unseen_b)
    # An id inside the range but never seen in fit is unknown too.
    X_gap = [x[x != 4] if np.any(x != 4) else np.array([5]) for x in X]
    gap = LSTMSequenceClassifier(**FAST).fit(X_gap, y)
    np.testing.assert_array_equal(
        gap.predict_proba([np.array([2, 4])]), gap.predict_proba([np.array([2, 99])])
    )


def rare_token_task(n=200, seed=0, first_rare=1000):
    """Ids 1..6; each class 1 sequence holds one id that no other has."""
    rng = np.random.RandomState(seed)
    y = (rng.rand(n) < 0.3).astype(int)
    X = [rng.randint(1, 7, size=rng.randint(3, 9)) for _ in y]
    for i in np.flatnonzero(y):
        X[i][rng.randint(len(X[i]))] = first_rare + i
    return X, y


def test_rare_token_ids_train_the_unknown_embedding():
    X, y = rare_token_task()
    clf = LSTMSequenceClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.vocabulary_, np.arange(1, 7))
    # An id seen once in fit reads as an id never seen.
    np.testing.assert_array_equal(
        clf.predict_proba([np.array([2, 3, 1000 + np.flatnonzero(y)[0]])]),
        clf.predict_proba([np.array([2, 3, 99999])]),
    )
    # The unknown row learned what the rare ids meant.
    X_test, y_test = rare_token_task(seed=1, first_rare=5000)
    assert balanced_accuracy_score(y_test, clf.predict(X_test)) > 0.95

    every = LSTMSequenceClassifier(**FAST, min_token_count=1).fit(X, y)
    assert len(every.vocabulary_) == 6 + y.sum()
    frequent = LSTMSequenceClassifier(**FAST, min_token_count=10**6)
    with pytest.warns(UserWarning, match="every token reads as unknown"):
        frequent.fit(X, y)
    assert len(frequent.vocabulary_) == 0
    assert frequent.predict_proba(X).shape == (len(X), 2)


def test_token_dropout_blanks_tokens_in_training_only():
    X, y = token_task()
    fits = {
        rate: LSTMSequenceClassifier(**FAST, token_dropout=rate).fit(X, y)
        for rate in (0.0, 0.3, "auto")
    }
    assert fits["auto"].module_.spec.token_dropout == 0.3  # variable length
    np.testing.assert_array_equal(
        fits["auto"].predict_proba(X), fits[0.3].predict_proba(X)
    )
    assert not np.array_equal(fits[0.3].predict_proba(X), fits[0.0].predict_proba(X))
    dropped = fits[0.3]
    assert dropped.score(X, y) > 0.9
    # Prediction reads every token, the same way each time.
    np.testing.assert_array_equal(dropped.predict_proba(X), dropped.predict_proba(X))
    # Blanked tokens read the padding row, which stays zero; padding is never
    # read as a token.
    assert not dropped.module_.embedding.weight[0].any()
    np.testing.assert_allclose(
        dropped.predict_proba(pad(X, 12)), dropped.predict_proba(X), atol=1e-6
    )
    # Fixed-length windows: each step's token matters, 'auto' blanks none.
    windows = LSTMSequenceClassifier(**FAST).fit(pad(X, 12) + 1, y)
    assert windows.module_.spec.token_dropout == 0.0


def test_token_dropout_is_ignored_for_real_values():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 6, 2)), np.arange(30) % 2
    fits = [
        LSTMSequenceClassifier(**conftest.FAST, token_dropout=rate).fit(X, y)
        for rate in ("auto", 0.5)
    ]
    assert fits[1].module_.spec.token_dropout == 0.0
    np.testing.assert_array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))


@pytest.mark.parametrize(
    ("X", "message"),
    [
        ([np.array([1, 2]), np.array([0, 0])], "no tokens"),
        ([np.array([1, -2]), np.array([3])], ">= 1"),
        ([np.array([1.5, 2.0]), np.array([3.0])], "must be integers"),
        (np.ones((2, 3, 2), dtype=int), "2-D array"),
    ],
)
def test_bad_token_input(X, message):
    with pytest.raises(ValueError, match=message):
        LSTMSequenceClassifier(**FAST).fit(X, [0, 1])


def test_tokens_cannot_be_augmented():
    X, y = token_task()
    with pytest.raises(ValueError, match="embedding_dim"):
        LSTMSequenceClassifier(**FAST, augment=GaussianNoise()).fit(X, y)


# -- TextSequencer -------------------------------------------------------------------


def test_text_sequencer_vocabulary_and_options():
    docs = ["Win a FREE prize", "free free call", "call me later", "later"]
    seq = TextSequencer().fit(docs)
    assert seq.vocabulary_["free"] == 2  # most frequent first
    assert seq.n_tokens_ == len(seq.vocabulary_) + 1
    assert [x.tolist() for x in seq.transform(["free unknown", "", "!!"])] == [
        [2, 1],
        [1],
        [1],
    ]
    assert set(TextSequencer(max_tokens=2).fit(docs).vocabulary_) == {"free", "call"}
    assert set(TextSequencer(min_frequency=2).fit(docs).vocabulary_) == {
        "free",
        "call",
        "later",
    }
    assert "FREE" in TextSequencer(lowercase=False).fit(docs).vocabulary_
    assert "a" not in TextSequencer(token_pattern=r"\b\w\w+\b").fit(docs).vocabulary_
    lengths = [len(x) for x in TextSequencer(max_length=2).fit_transform(docs)]
    assert lengths == [2, 2, 2, 1]


def test_text_sequencer_rejects_bad_documents():
    with pytest.raises(ValueError, match="string object received"):
        TextSequencer().fit("just one string")
    with pytest.raises(TypeError, match="Document 1 is a float"):
        TextSequencer().fit(["ok", float("nan")])


def spam_like(n=160, seed=0):
    rng = np.random.RandomState(seed)
    ham = ["see you at lunch", "ok call me later", "running late sorry", "thanks love"]
    spam = ["win a free prize now", "claim your cash prize", "free entry text win"]
    y = (rng.rand(n) < 0.2).astype(int)
    X = [spam[rng.randint(3)] if label else ham[rng.randint(4)] for label in y]
    return np.array(X, dtype=object), np.where(y == 1, "spam", "ham")


def test_text_pipeline_cross_validates_and_searches():
    X, y = spam_like()
    pipe = make_pipeline(
        TextSequencer(),
        SequenceRandomOverSampler(random_state=0),
        LSTMSequenceClassifier(**FAST),
    )
    result = cross_validate(
        pipe, X, y, cv=StratifiedKFold(3), scoring="balanced_accuracy"
    )
    assert result["test_score"].mean() > 0.9
    search = GridSearchCV(
        pipe,
        {"lstmsequenceclassifier__class_weight": [None, "balanced"]},
        cv=StratifiedKFold(3),
        scoring="recall_macro",
    ).fit(X, y)
    assert search.predict(["free prize now", "see you later"]).tolist() == [
        "spam",
        "ham",
    ]


@pytest.mark.parametrize("tokens", [True, False])
def test_auto_defaults_follow_the_kind_of_input(tokens):
    X, y = token_task() if tokens else conftest.mean_sign_task()
    params = dict(hidden_size=4, max_epochs=1, lr_schedule="constant", random_state=0)
    if tokens:
        params["embedding_dim"] = 4
    clf = LSTMSequenceClassifier(**params).fit(X, y)
    assert clf.get_params()["pooling"] == "auto"
    assert clf.module_.spec.pooling == ("max" if tokens else "last")
    assert clf.module_.layers[0].bidirectional is tokens
    assert clf.history_[0]["learning_rate"] == 1e-2
    if not tokens:  # a plain LSTM, without the FCN branch, learns at 3e-3
        plain = LSTMSequenceClassifier(**params, fcn_width=None).fit(X, y)
        assert plain.history_[0]["learning_rate"] == 3e-3


def test_auto_defaults_give_way_to_given_values():
    X, y = token_task()
    clf = LSTMSequenceClassifier(
        embedding_dim=4,
        hidden_size=4,
        max_epochs=1,
        lr_schedule="constant",
        bidirectional=False,
        pooling="attention",
        learning_rate=5e-3,
        random_state=0,
    ).fit(X, y)
    assert clf.module_.spec.pooling == "attention"
    assert not clf.module_.layers[0].bidirectional
    assert clf.history_[0]["learning_rate"] == 5e-3


def position_task(n=200, steps=10, seed=0):
    """Fixed-length windows of tokens 1-3 holding one token 4: class 1 when
    it stands at step 3, class 0 when elsewhere. Where a token stands, not
    whether, decides."""
    rng = np.random.RandomState(seed)
    X = rng.randint(1, 4, size=(n, steps))
    y = (rng.rand(n) < 0.5).astype(int)
    elsewhere = rng.choice([step for step in range(steps) if step != 3], size=n)
    X[np.arange(n), np.where(y == 1, 3, elsewhere)] = 4
    return X, y


def test_position_embedding_finds_where_a_token_stands():
    X, y = position_task()
    X_test, y_test = position_task(seed=1)
    auto = LSTMSequenceClassifier(**FAST).fit(X, y)
    assert auto.module_.positions.num_embeddings == 10
    without = LSTMSequenceClassifier(**FAST, position_embedding=False).fit(X, y)
    assert without.module_.positions is None
    with_positions = balanced_accuracy_score(y_test, auto.predict(X_test))
    assert with_positions > 0.95
    assert with_positions > balanced_accuracy_score(y_test, without.predict(X_test))


def test_position_embedding_auto_needs_fixed_length_tokens():
    X, y = token_task()  # lengths 2 to 9
    assert LSTMSequenceClassifier(**FAST).fit(X, y).module_.positions is None
    padded = LSTMSequenceClassifier(**FAST).fit(pad(X, 12), y)
    assert padded.module_.positions is None  # padding is not length
    forced = LSTMSequenceClassifier(**FAST, position_embedding=True).fit(X, y)
    assert forced.module_.positions.num_embeddings == 9
    longer = [np.tile(x, 4) for x in X[:5]]  # past the table: its last row
    assert forced.predict_proba(longer).shape == (5, 2)

    X_real, y_real = conftest.mean_sign_task()
    real = LSTMSequenceClassifier(**conftest.FAST).fit(X_real, y_real)
    assert real.module_.positions is None
    with pytest.raises(ValueError, match=r"position_embedding=True .*embedding_dim"):
        LSTMSequenceClassifier(**conftest.FAST, position_embedding=True).fit(
            X_real, y_real
        )


def test_embedding_dim_auto_follows_the_vocabulary():
    X, y = token_task()  # 9 distinct ids
    small = LSTMSequenceClassifier(**dict(FAST, embedding_dim="auto")).fit(X, y)
    assert small.module_.embedding.embedding_dim == 9
    assert small.score(X, y) > 0.9
    rng = np.random.RandomState(0)
    wide = [rng.randint(1, 200, size=5) for _ in range(40)]
    large = LSTMSequenceClassifier(**dict(FAST, embedding_dim="auto", max_epochs=1))
    assert large.fit(wide, np.arange(40) % 2).module_.embedding.embedding_dim == 16
