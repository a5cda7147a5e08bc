"""A griffe extension for the docs build (`make docs`): what reading the imported package needs.

The API reference is read from the imported package (the loss classes get their constructor and
Args from their functions when it is imported). Two things follow:
- Inspected constants would show the docstring of their type (`float`, `numpy.ndarray`); this
  extension drops that and takes the `#` comment lines written right above the constant's
  assignment instead, the way the code documents every named constant.
- An Args entry may start with a bound (`smooth: >= 0, ...`); Markdown would read the `>` as a
  quote, so it is escaped.
- A derived loss class's `__init__` is made in `imagelosses.losses.base`; griffe takes a member
  from another module for an import (an alias) and cannot resolve it. The constructor is
  re-labelled with its class's module before griffe reads the package.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

import griffe


@cache
def _source_lines(path: str) -> tuple[str, ...]:
    return tuple(Path(path).read_text().splitlines())


def _comment_above(path, name: str) -> str:
    lines = _source_lines(str(path))
    pattern = re.compile(rf"^{re.escape(name)}\s*(:[^=]*)?=")
    for index, line in enumerate(lines):
        if pattern.match(line):
            comment = []
            for above in reversed(lines[:index]):
                if not above.startswith("#"):
                    break
                comment.insert(0, above.lstrip("#").strip())
            return " ".join(comment)
    return ""


def _own_constructors() -> None:
    from imagelosses._registry import LOSSES

    for cls in LOSSES.values():
        init = cls.__dict__.get("__init__")
        if init is not None and getattr(init, "__qualname__", "") == f"{cls.__qualname__}.__init__":
            init.__module__ = cls.__module__


# "    name: >= 0, ..." in a docstring section: the bound after the colon.
_LEADING_BOUND = re.compile(r"^([ \t]+[\w, ]+:[ \t]+)>", flags=re.M)


class ConstantComments(griffe.Extension):
    def __init__(self) -> None:
        super().__init__()
        _own_constructors()

    def on_instance(self, *, node, obj, agent, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _LEADING_BOUND.sub(r"\1\\>", obj.docstring.value)

    def on_attribute_instance(self, *, node, attr, agent, **kwargs) -> None:
        if isinstance(node, ast.AST) or attr.parent is None or not attr.parent.is_module:
            return  # read from the source, or not a module constant: nothing to fix
        type_doc = type(node.obj).__doc__
        type_doc = inspect.cleandoc(type_doc) if isinstance(type_doc, str) else ""
        if attr.docstring is not None and attr.docstring.value.strip() == type_doc.strip():
            attr.docstring = None
        path = attr.parent.filepath
        if isinstance(path, Path) and path.suffix == ".py":
            comment = _comment_above(path, attr.name)
            if comment:
                attr.docstring = griffe.Docstring(comment, parent=attr)
