"""The Python examples of the README and of the user guide run as written.

The guide's pages continue the README's quick start (its ``X``, ``y`` and
``quick``), so the blocks run in one namespace: the README's, then each page's
in the order of the guide's table of contents.
"""

import os
import re
import textwrap
from pathlib import Path

import pytest
from sklearn.metrics import balanced_accuracy_score

from sklstm.exceptions import CollapseWarning

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "user_guide"


def guide_pages():
    """The guide's pages in the order of its toctree."""
    index = (GUIDE / "index.rst").read_text()
    toctree = index.split(".. toctree::")[1]
    names = re.findall(r"^   (\w+)$", toctree, flags=re.M)
    return [GUIDE / f"{name}.md" for name in names]


def python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_guide_examples_run_and_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples write files
    pages = guide_pages()
    assert {p.name for p in pages} == {p.name for p in GUIDE.glob("*.md")}
    blocks = python_blocks(README) + [b for p in pages for b in python_blocks(p)]
    assert len(blocks) >= 7
    namespace = {}
    exec(blocks[0], namespace)
    predicted = namespace["model"].predict(namespace["X_test"])
    assert balanced_accuracy_score(namespace["y_test"], predicted) > 0.82
    with pytest.warns(CollapseWarning):
        exec(blocks[1], namespace)
    assert namespace["search"].best_params_ == {"class_weight": "balanced"}
    for block in blocks[2:]:
        if block.startswith("# needs network"):
            continue  # tests/test_fetch.py runs fetch_ucr against a local server
        exec(textwrap.dedent(block), namespace)
    assert namespace["clf"].best_epoch_ >= 1
    # max_steps=100 over 600 rows in batches of 16 (38 per epoch): 3 epochs.
    assert namespace["on_the_fly"].n_epochs_ == 3
    assert namespace["X_train"].shape == (100, 96)
    assert os.path.exists(tmp_path / "model.sklstm")
    assert os.path.exists(tmp_path / "history.png")
    assert namespace["balanced"].history_[0]["train_class_counts"][1] >= 290
