"""The README's Python examples run as written."""

import os
import re
import textwrap
import warnings
from pathlib import Path

import pytest

from sklstm.exceptions import CollapseWarning

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # from Dask's internals
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_readme_examples_run_and_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples write files
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 7
    namespace = {}
    with pytest.warns(CollapseWarning):
        exec(blocks[0], namespace)
    assert namespace["search"].best_params_ == {"class_weight": "balanced"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        for block in blocks[1:]:
            exec(textwrap.dedent(block), namespace)
    assert namespace["clf"].best_epoch_ >= 1
    assert namespace["on_the_fly"].n_epochs_ == 30
    assert namespace["X_train"].shape == (100, 96)
    assert os.path.exists(tmp_path / "model.sklstm")
    assert namespace["balanced"].history_[0]["train_class_counts"][1] >= 290
