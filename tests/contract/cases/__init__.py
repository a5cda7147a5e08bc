"""Collects `CASES` from every module in this package."""

import importlib
import pkgutil

ALL_CASES = []
for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    ALL_CASES += importlib.import_module(f"{__name__}.{_info.name}").CASES
