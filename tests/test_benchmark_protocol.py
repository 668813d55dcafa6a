"""The benchmarks' protocols: the published one (official split and stratified
resamples) and the controlled-imbalance one (one class against the rest)."""

import importlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def protocol():
    spec = importlib.util.spec_from_file_location(
        "protocol", BENCHMARKS / "protocol.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_resample_zero_is_the_official_split(protocol):
    y_train, y_test = np.array([1, 0, 1, 1]), np.array([0, 0, 1])
    train, test = protocol.published_resample(y_train, y_test, 0)
    np.testing.assert_array_equal(train, [0, 1, 2, 3])
    np.testing.assert_array_equal(test, [4, 5, 6])


@pytest.mark.parametrize("k", [1, 2, 7])
def test_resamples_keep_the_official_class_counts(protocol, k):
    rng = np.random.RandomState(0)
    y_train = rng.choice(["a", "b", "c"], size=40, p=[0.6, 0.3, 0.1])
    y_test = rng.choice(["a", "b", "c"], size=70, p=[0.6, 0.3, 0.1])
    pooled = np.concatenate([y_train, y_test])
    train, test = protocol.published_resample(y_train, y_test, k)
    assert sorted([*train, *test]) == list(range(110))
    for label in "abc":
        assert np.sum(pooled[train] == label) == np.sum(y_train == label)
    again = protocol.published_resample(y_train, y_test, k)
    np.testing.assert_array_equal(train, again[0])
    assert not np.array_equal(np.sort(train), np.arange(40))


def test_resample_draws_each_class_from_one_random_state(protocol):
    # tsml-eval's stratified_resample_data: RandomState(k), classes in sorted
    # order, each class's pooled indices shuffled in turn.
    y_train, y_test = np.array([2, 1, 2, 1, 2]), np.array([1, 2, 2, 1])
    train, _ = protocol.published_resample(y_train, y_test, 3)
    rng = np.random.RandomState(3)
    ones, twos = np.array([1, 3, 5, 8]), np.array([0, 2, 4, 6, 7])
    rng.shuffle(ones)
    rng.shuffle(twos)
    np.testing.assert_array_equal(train, [*ones[:2], *twos[:3]])


def test_a_test_class_without_training_rows_is_an_error(protocol):
    with pytest.raises(ValueError, match="no training rows"):
        protocol.published_resample([0, 0], [0, 1], 1)


def test_published_figures_ship_with_the_benchmarks(protocol):
    table = protocol.load_published()
    assert {"ECG200", "Earthquakes", "MedicalImages"} <= set(table)
    r0, mean30 = table["ECG200"]["MiniROCKET"]
    assert 0.5 < r0 <= 1 and 0.5 < mean30 <= 1
    assert table["ECG200"]["best"][2] == "ROCKET"


def test_bundled_tasks_follow_the_official_split(protocol):
    tasks = protocol.load_tasks(quick=True, data=None)
    assert set(tasks) == {"ECG200", "Earthquakes"}
    ecg = tasks["ECG200"]
    assert ecg.official and len(ecg.y_train) == 100 and len(ecg.y) == 200
    train, test = ecg.splits(2)[1]
    assert len(train) == 100 and len(test) == 100


def test_fetched_sets_become_official_tasks(protocol, tmp_path, monkeypatch):
    # A cached download (fetch_ucr's layout), as --fetch reads it offline.
    folder = tmp_path / "ucr" / "Toy"
    folder.mkdir(parents=True)
    (folder / "Toy_TRAIN.tsv").write_text("1\t0\t1\n2\t1\t0\n1\t0\t2\n")
    (folder / "Toy_TEST.tsv").write_text("2\t3\t3\n")
    monkeypatch.setenv("SKLSTM_DATA_HOME", str(tmp_path))
    task = protocol.load_tasks(False, None, fetch=["Toy"])["Toy"]
    assert task.official
    np.testing.assert_array_equal(task.y, [1, 2, 1, 2])
    assert task.X.shape == (4, 2)


def test_sets_fall_into_the_summary_groups(protocol):
    def task(n_train, n_classes, steps, minority=None):
        y = np.arange(n_train) % n_classes
        if minority is not None:
            y[: n_train - minority] = 0
            y[n_train - minority :] = 1
        X = [np.zeros(steps) for _ in range(n_train + 4)]
        return protocol.Task(X, y, np.zeros(4, dtype=int))

    assert protocol.groups(task(100, 2, 140)) == [protocol.REST]
    assert protocol.groups(task(30, 12, 600)) == [
        "few training series (< 50)",
        "many classes (>= 10)",
        "long series (>= 500 steps)",
    ]
    assert protocol.groups(task(100, 2, 24, minority=20)) == [
        "imbalanced (largest / smallest class >= 4)"
    ]


@pytest.fixture(scope="module")
def controlled():
    """benchmarks/controlled_imbalance.py (which imports protocol.py by name)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module("controlled_imbalance")
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_positive_classes_are_the_smallest_and_the_largest(controlled):
    assert controlled.positive_classes(["a", "b", "b", "c", "c", "c"]) == ["a", "c"]
    # Ties go by label; a set of one class has one positive.
    assert controlled.positive_classes([2, 1, 2, 1]) == [1, 2]
    assert controlled.positive_classes([5, 5]) == [5]


def test_one_vs_rest_keeps_negatives_and_draws_positives(controlled):
    y_train = np.array([0] * 60 + [1] * 30 + [2] * 10)
    y_test = np.array([0, 1, 2, 2])
    train, test, y = controlled.one_vs_rest(y_train, y_test, 1, 10, seed=3)
    np.testing.assert_array_equal(test, [100, 101, 102, 103])
    np.testing.assert_array_equal(y[test], [0, 1, 0, 0])
    np.testing.assert_array_equal(y, np.concatenate([y_train, y_test]) == 1)
    # Every negative TRAIN row, and round(70 / 10) of class 1's.
    assert set(np.flatnonzero(y_train != 1)) <= set(train)
    assert np.sum(y[train]) == 7 and len(train) == 77
    assert set(train[y[train] == 1]) <= set(range(60, 90))
    again, _, _ = controlled.one_vs_rest(y_train, y_test, 1, 10, seed=3)
    other, _, _ = controlled.one_vs_rest(y_train, y_test, 1, 10, seed=4)
    np.testing.assert_array_equal(train, again)
    assert not np.array_equal(train, other)
    # Ratio 1 is the natural split: every row of the positive class.
    natural, _, _ = controlled.one_vs_rest(y_train, y_test, 1, 1, seed=3)
    np.testing.assert_array_equal(natural, np.arange(100))


def test_a_ratio_is_used_only_where_it_can_be_built(controlled):
    y_train = np.array([0] * 60 + [1] * 30 + [2] * 3)
    assert controlled.n_positives(y_train, 1, 1) == 30
    assert controlled.n_positives(y_train, 1, 20) == 3  # round(63 / 20)
    assert controlled.n_positives(y_train, 1, 50) is None  # fewer than two
    assert controlled.n_positives(y_train, 2, 10) is None  # more than class 2 has
    assert controlled.n_positives(y_train, 0, 10) == 3
    with pytest.raises(ValueError, match="Ratio 50 cannot be built"):
        controlled.one_vs_rest(y_train, [0], 1, 50, seed=0)
