"""Sphinx configuration of sklstm's documentation."""

import sklstm

project = "sklstm"
author = "the sklstm developers"
copyright = "2026, the sklstm developers"
release = version = sklstm.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "examples/*.py", "examples/*.txt"]
templates_path = ["_templates"]

html_theme = "pydata_sphinx_theme"
html_title = f"sklstm {version}"
html_theme_options = {"navigation_with_keys": False}
html_show_sourcelink = False

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
}
