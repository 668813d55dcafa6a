"""The documentation: every public name in the API reference, and a build
without a single warning (broken cross-references and failing gallery
examples fail here)."""

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PUBLIC_MODULES = [
    "sklstm",
    "sklstm.preprocessing",
    "sklstm.resampling",
    "sklstm.augmentation",
    "sklstm.datasets",
    "sklstm.model_selection",
    "sklstm.inspection",
    "sklstm.persistence",
    "sklstm.onnx",
    "sklstm.exceptions",
]


def api_reference():
    """``{module: [names]}`` as docs/api.rst lists them."""
    listed, module = {}, None
    for line in (DOCS / "api.rst").read_text().splitlines():
        if match := re.fullmatch(r"\.\. currentmodule:: (\S+)", line):
            module = match[1]
        elif match := re.fullmatch(r"   ([A-Za-z_]\w*)", line):
            listed.setdefault(module, []).append(match[1])
    return listed


def test_the_api_reference_lists_every_public_name():
    listed = api_reference()
    assert list(listed) == PUBLIC_MODULES
    for name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional extra (sklstm.onnx) is missing
            continue
        assert sorted(listed[name]) == sorted(module.__all__), name


def test_every_public_module_is_in_the_reference():
    package = DOCS.parent / "sklstm"
    public = {"sklstm"} | {
        f"sklstm.{p.stem if p.is_file() else p.name}"
        for p in package.iterdir()
        if not p.name.startswith("_")
        and (p.suffix == ".py" or (p / "__init__.py").exists())
    }
    assert public == set(PUBLIC_MODULES)


@pytest.mark.slow
def test_the_docs_build_without_warnings(tmp_path):
    docs_extra = ("sphinx", "numpydoc", "pydata_sphinx_theme", "sphinx_gallery")
    for module in (*docs_extra, "myst_parser", "onnxruntime"):  # + the examples'
        pytest.importorskip(module)
    source = tmp_path / "docs"  # generated pages stay out of the working tree
    generated = ("_build", "auto_examples", "generated", "sg_execution_times.rst")
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns(*generated))
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q"]
    result = subprocess.run(
        [*command, "-b", "html", str(source), str(tmp_path / "html")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert (tmp_path / "html" / "index.html").exists()
    assert (tmp_path / "html" / "auto_examples" / "index.html").exists()
