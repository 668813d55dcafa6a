"""The README's Python examples run as written."""

import os
import re
import textwrap
from pathlib import Path

import pytest
from sklearn.metrics import balanced_accuracy_score

from sklstm.exceptions import CollapseWarning

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # from Dask's internals
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_readme_examples_run_and_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples write files
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 7
    namespace = {}
    exec(blocks[0], namespace)
    predicted = namespace["model"].predict(namespace["X_test"])
    assert balanced_accuracy_score(namespace["y_test"], predicted) > 0.85
    with pytest.warns(CollapseWarning):
        exec(blocks[1], namespace)
    assert namespace["search"].best_params_ == {"class_weight": "balanced"}
    for block in blocks[2:]:
        if block.startswith("# needs network"):
            continue  # tests/test_fetch.py runs fetch_ucr against a local server
        exec(textwrap.dedent(block), namespace)
    assert namespace["clf"].best_epoch_ >= 1
    # max_steps=200 over 600 rows in batches of 16 (38 per epoch): 6 epochs.
    assert namespace["on_the_fly"].n_epochs_ == 6
    assert namespace["X_train"].shape == (100, 96)
    assert os.path.exists(tmp_path / "model.sklstm")
    assert namespace["balanced"].history_[0]["train_class_counts"][1] >= 290
