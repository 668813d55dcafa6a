"""Collection for the whole run (tests and doctests): the modules of an
optional extra are only imported where the extra is installed."""

import importlib


def _installed(*modules):
    try:
        for module in modules:
            importlib.import_module(module)
    except ImportError:
        return False
    return True


collect_ignore_glob = []
if not _installed("onnx", "onnxruntime"):
    collect_ignore_glob.append("sklstm/onnx/*")
elif not _installed("skl2onnx"):
    collect_ignore_glob.append("sklstm/onnx/_skl2onnx.py")
if not _installed("matplotlib"):
    collect_ignore_glob.append("sklstm/inspection.py")
