"""The benchmarks' published protocol: official split and stratified resamples."""

import importlib.util
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
