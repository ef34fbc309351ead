"""Pytest configuration shared by the whole repository."""

import importlib.util

# Importing __main__ would run the command line during doctest collection.
collect_ignore = ["hwcodesign/__main__.py"]

# The importers' examples need their optional extras; without them their doctests cannot run.
for _package, _module in (("onnx", "hwcodesign/workloads/importers/onnx.py"),
                          ("torch", "hwcodesign/workloads/importers/torch_fx.py")):
    if importlib.util.find_spec(_package) is None:
        collect_ignore.append(_module)
