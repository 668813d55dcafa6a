"""sklstm.datasets: bundled data and the archive readers."""

import gzip
import os

import numpy as np
import pytest

from sklstm.datasets import (
    SequenceDataset,
    load_earthquakes,
    load_ecg200,
    load_folder,
    load_labelled_text,
    load_ts,
    load_ucr_tsv,
    load_wafer,
)

# A local copy of the archives in load_folder's layout, when one is at hand.
DATA = os.environ.get("SKLSTM_DATA")


@pytest.mark.parametrize(
    ("loader", "shape", "counts"),
    [
        (load_ecg200, (200, 96), [67, 133]),
        (load_earthquakes, (461, 512), [368, 93]),
        (load_wafer, (1000, 152), [97, 903]),
    ],
)
def test_bundled_datasets(loader, shape, counts):
    X, y, description = loader()
    assert X.shape == shape and X.dtype == np.float64
    assert np.unique(y, return_counts=True)[1].tolist() == counts
    assert "Dau" in description and "UCR" in description
    dataset = loader()
    assert isinstance(dataset, SequenceDataset)
    assert dataset.data is dataset.X and dataset.target is dataset.y
    assert dataset.DESCR == description
    X2, y2 = loader(return_X_y=True)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_bundled_splits_match_the_archive():
    assert len(load_ecg200(subset="train").y) == 100
    X_test, _ = load_earthquakes(subset="test", return_X_y=True)
    assert X_test.shape == (139, 512)
    X_all, _ = load_earthquakes(return_X_y=True)
    np.testing.assert_array_equal(X_all[322:], X_test)
    with pytest.raises(ValueError, match="No 'test' file"):
        load_wafer(subset="test")
    with pytest.raises(ValueError, match="subset must be"):
        load_ecg200(subset="validation")


def test_ucr_tsv_variable_length_and_missing_values(tmp_path):
    path = tmp_path / "Toy_TRAIN.tsv.gz"
    with gzip.open(path, "wt") as f:
        f.write("1\t0.5\t1.5\t2.5\n2\t1.0\tNaN\t3.0\n1\t4.0\tNaN\tNaN\n")
    X, y = load_ucr_tsv(path)
    assert [len(x) for x in X] == [3, 3, 1]
    assert np.isnan(X[1][1])
    assert y.dtype.kind == "i" and y.tolist() == [1, 2, 1]
    fixed = tmp_path / "Fixed_TEST.tsv"
    fixed.write_text("a\t1\t2\nb\t3\t4\n")
    X, y = load_ucr_tsv(fixed)
    assert X.shape == (2, 2) and y.tolist() == ["a", "b"]


TS = """# A toy problem
@problemName Toy
@timeStamps false
@missing true
@univariate false
@dimensions 2
@equalLength false
@classLabel true up down
@data
1,2,3:4,5,6:up
1,?:2,3:down
"""


def test_ts_multivariate_variable_length_with_missing(tmp_path):
    path = tmp_path / "Toy_TRAIN.ts"
    path.write_text(TS)
    X, y = load_ts(path)
    assert [x.shape for x in X] == [(3, 2), (2, 2)]
    np.testing.assert_array_equal(X[0][:, 1], [4, 5, 6])
    assert np.isnan(X[1][1, 0])
    assert y.tolist() == ["up", "down"]
    bad = tmp_path / "Bad.ts"
    bad.write_text("@problemName Bad\n1,2:3:x\n")
    with pytest.raises(ValueError, match="no @data"):
        load_ts(bad)
    bad.write_text("@data\n1,2:3:x\n")
    with pytest.raises(ValueError, match="differ in length"):
        load_ts(bad)


def test_labelled_text(tmp_path):
    path = tmp_path / "corpus"
    path.write_text("ham\thello there\nspam\tWIN\tnow\n")
    X, y = load_labelled_text(path)
    assert X.tolist() == ["hello there", "WIN\tnow"] and y.tolist() == ["ham", "spam"]


def test_load_folder_reads_the_layout(tmp_path):
    (tmp_path / "ucr" / "Toy").mkdir(parents=True)
    (tmp_path / "ucr" / "Toy" / "Toy_TRAIN.tsv").write_text("0\t1\t2\n1\t3\t4\n")
    (tmp_path / "ucr" / "Toy" / "Toy_TEST.tsv").write_text("1\t5\t6\n")
    (tmp_path / "ucr" / "Toy" / "README.md").write_text("# Toy\n")
    (tmp_path / "uea" / "Multi").mkdir(parents=True)
    (tmp_path / "uea" / "Multi" / "Multi_TRAIN.ts").write_text(TS)
    (tmp_path / "text" / "sms").mkdir(parents=True)
    (tmp_path / "text" / "sms" / "Corpus").write_text("ham\thi\n")
    (tmp_path / "text" / "sms" / "readme").write_text("about\n")
    found = load_folder(tmp_path)
    assert list(found) == ["Multi", "Toy", "sms"]
    assert found["Toy"].X.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert found["Toy"].description == "# Toy\n"
    assert found["Multi"].description == "A toy problem"
    assert found["sms"].description == "about\n"
    test_only = load_folder(tmp_path, subset="test")
    assert test_only["Toy"].y.tolist() == [1]
    assert "Multi" not in test_only  # it has no TEST file
    with pytest.raises(ValueError, match="not a folder"):
        load_folder(tmp_path / "missing")


@pytest.mark.skipif(not DATA, reason="set SKLSTM_DATA to a folder of the archives")
def test_load_folder_on_a_copy_of_the_archives():
    found = load_folder(DATA)
    assert {"ECG200", "Earthquakes", "Wafer", "JapaneseVowels", "sms_spam"} <= set(
        found
    )
    vowels = found["JapaneseVowels"]
    assert len(vowels.X) == 640 and vowels.X[0].shape[1] == 12
    assert len({len(x) for x in vowels.X}) > 1
    np.testing.assert_array_equal(found["ECG200"].X, load_ecg200().X)
