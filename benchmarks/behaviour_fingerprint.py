"""Seeded probabilities of one fit per architecture, to show a refactoring
changed nothing.

Fits ``LSTMSequenceClassifier`` with a fixed ``random_state`` in each of the
configurations below (every network part, the token path, ragged input and
the training options that reach the loop) and saves the predicted
probabilities; ``--compare`` refits and prints, per configuration, whether the
probabilities are bit-identical to a saved run (say, of an earlier commit).

    python benchmarks/behaviour_fingerprint.py --save before.npz
    git checkout <other commit>
    python benchmarks/behaviour_fingerprint.py --compare before.npz
"""

import argparse
import warnings

import numpy as np
import torch

from sklstm import LSTMSequenceClassifier
from sklstm.augmentation import ChainAugmenter, GaussianNoise, TimeWarp

BASE = dict(max_steps=60, random_state=0)
CONFIGS = {
    "default (LSTM last + FCN)": dict(),
    "mean pooling, no FCN": dict(pooling="mean", fcn_width=None),
    "max pooling, 2 bidirectional layers, dropout": dict(
        pooling="max", bidirectional=True, num_layers=2, dropout=0.2
    ),
    "attention pooling, conv front end": dict(pooling="attention", conv_layers=2),
    "tokens (embedding)": dict(embedding_dim=8),
    "ragged, per-sequence normalisation": dict(normalize="sequence"),
    "early stopping, balanced weights, augment, L1": dict(
        early_stopping=True,
        scoring="balanced_accuracy",
        class_weight="balanced",
        augment=ChainAugmenter([TimeWarp(), GaussianNoise()]),
        l1=1e-4,
        weight_decay=1e-4,
    ),
    "balanced batches, focal, logit adjustment, SGD, cosine": dict(
        balanced_batches=True,
        loss="focal",
        logit_adjustment=1.0,
        label_smoothing=0.1,
        optimizer="sgd",
        lr_schedule="cosine",
    ),
    "warm start then partial_fit": dict(warm_start=True),
}


def data(name):
    rng = np.random.RandomState(0)
    y = (np.arange(80) % 5 == 0).astype(int)  # 1 in 5 is the minority
    if name.startswith("tokens"):
        X = [rng.randint(1, 30, size=rng.randint(3, 15)) for _ in y]
        X = [np.append(x, 7) if label else x for x, label in zip(X, y, strict=True)]
        return X, y
    X = rng.normal(size=(80, 40, 2)).astype(np.float32)
    X[y == 1, 10:20, 0] += 1.5
    if name.startswith("ragged"):
        return [x[: 20 + i % 21] for i, x in enumerate(X)], y
    return X, y


def fingerprint(name):
    X, y = data(name)
    clf = LSTMSequenceClassifier(**BASE, **CONFIGS[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
        if clf.warm_start:
            clf.set_params(max_steps=20).fit(X, y)
            clf.partial_fit(X, y)
    return clf.predict_proba(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", help="write the probabilities to this .npz")
    parser.add_argument("--compare", help="compare with probabilities in this .npz")
    args = parser.parse_args()
    torch.set_num_threads(1)
    probas = {name: fingerprint(name) for name in CONFIGS}
    if args.save:
        np.savez(args.save, **probas)
    if args.compare:
        saved = np.load(args.compare)
        print("| configuration | bit-identical | max abs difference |")
        print("|---|---|---|")
        for name, proba in probas.items():
            same = np.array_equal(proba, saved[name])
            diff = float(np.max(np.abs(proba - saved[name])))
            print(f"| {name} | {'yes' if same else 'NO'} | {diff:.3g} |")


if __name__ == "__main__":
    main()
