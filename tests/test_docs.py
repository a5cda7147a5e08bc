"""The documentation runs: docstring examples, docs-page code blocks, and the site build.

- Every `>>>` example in the package's docstrings runs under the current backend (`doctest`, with
  ELLIPSIS, NORMALIZE_WHITESPACE and numbers compared at a relative 1e-5).
- Every `python` block of docs/*.md runs, in page order, in one namespace per page. `bash` blocks
  are checked line by line: `imagelosses ...` lines parse with the command's own argument parser
  (`list` and `--version` also run), `make X` names a Makefile target, `pip install` names extras
  that pyproject.toml defines.
- `text` blocks of docs/choosing-a-loss.md are the bake-off tables: each must appear verbatim in
  README.md, so the page never quotes other numbers than the README's run.
- `mkdocs build --strict` (warnings are errors) builds the site once, under the jax backend (the
  reference is the same on every backend), and every public name has its entry in it.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import pkgutil
import re
import shlex
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import imagelosses

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md") if p.name != "bad_inputs.md")  # bad_inputs.md is generated
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", flags=re.S | re.M)
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(imagelosses.__path__, prefix="imagelosses.")
    if not info.name.endswith("__main__")  # running it is the command itself
)


class _NumberChecker(doctest.OutputChecker):
    """doctest's checker, plus: outputs equal but for numbers that agree to a relative 1e-5."""

    def check_output(self, want, got, optionflags):
        if super().check_output(want, got, optionflags):
            return True
        if NUMBER.sub("#", " ".join(want.split())) != NUMBER.sub("#", " ".join(got.split())):
            return False
        wanted = [float(n) for n in NUMBER.findall(want)]
        found = [float(n) for n in NUMBER.findall(got)]
        return len(wanted) == len(found) and np.allclose(found, wanted, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        checker=_NumberChecker(), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    # the names an example may use without importing them: numpy, keras and the package
    extraglobs = {"np": np, "keras": keras, "imagelosses": imagelosses}
    report: list[str] = []
    for test in finder.find(module, module_name, extraglobs=extraglobs):
        if test.examples:
            runner.run(test, out=report.append)
    failed = runner.summarize(verbose=False).failed
    assert failed == 0, f"{failed} docstring example(s) of {module_name} failed:\n" + "".join(report)


def _blocks(page: Path, language: str) -> list[str]:
    return [code for lang, code in BLOCK.findall(page.read_text()) if lang == language]


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p, "python")], ids=lambda p: p.name)
def test_docs_page_python_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything an example writes lands here
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for code in _blocks(page, "python"):
        exec(compile(code, str(page), "exec"), namespace)


def _makefile_targets() -> set[str]:
    return set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), flags=re.M))


def _extras() -> set[str]:
    return set(importlib.metadata.metadata("imagelosses").get_all("Provides-Extra") or ())


def check_shell_line(line: str) -> None:
    """One line of a documented shell block is something this project really offers."""
    line = re.sub(r"\[(--[^\]]*)\]", r"\1", line)  # `[--masks my_masks/]`: an optional part, checked too
    words = shlex.split(line, comments=True)
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):  # VAR=value prefixes
        words = words[1:]
    if words[:3] == ["python", "-m", "imagelosses"]:
        words = ["imagelosses", *words[3:]]
    if not words:
        return
    command, args = words[0], words[1:]
    if command == "imagelosses":
        from imagelosses.cli.main import build_parser, main

        build_parser().parse_args(args)  # SystemExit(2) on an argument the command does not take
        if args in (["list"], ["--version"]):
            assert main(args) == 0
    elif command == "make":
        assert set(args) <= _makefile_targets(), f"{line!r}: no such Makefile target"
    elif command == "pip" and args[:1] == ["install"]:
        for spec in args[1:]:
            name, _, extras = spec.partition("[")
            assert name == "imagelosses", f"{line!r}: installs another package"
            wanted = set(extras.rstrip("]").split(",")) - {""}
            assert wanted <= _extras(), f"{line!r}: extras {wanted - _extras()} are not in pyproject.toml"
    elif command == "python" and args[:1] == ["-m"]:
        assert importlib.util.find_spec(args[1]) is not None, f"{line!r}: no module {args[1]}"
    else:
        raise AssertionError(f"{line!r}: a shell command the docs test does not know how to check")


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p, "bash")], ids=lambda p: p.name)
def test_docs_page_shell_blocks_are_real_commands(page):
    for block in _blocks(page, "bash"):
        for line in block.splitlines():
            check_shell_line(line)


def test_bakeoff_tables_quoted_from_readme():
    readme = (ROOT / "README.md").read_text()
    tables = _blocks(DOCS / "choosing-a-loss.md", "text")
    assert tables, "choosing-a-loss.md quotes no bake-off table"
    for table in tables:
        assert table.strip() in readme, f"this table is not in README.md (rerun and copy it):\n{table}"


def _public_objects():
    """(defining module, name, object) for every public function, class and constant."""
    spaces = [
        imagelosses,
        imagelosses.losses,
        imagelosses.filters,
        imagelosses.structural,
        imagelosses.metrics,
    ]
    seen = {}
    for space in spaces:
        for name in space.__all__:
            obj = getattr(space, name)
            if inspect.ismodule(obj) or isinstance(obj, dict):
                continue  # subpackages and the registries are not API entries
            seen[name] = obj
    for table in (imagelosses.LOSSES, imagelosses.METRICS, imagelosses.LAYERS):
        seen.update(table)
    return seen


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    if keras.backend.backend() != "jax":
        pytest.skip(
            "the site is built once per suite, under the jax backend (it reads the same docstrings on all)"
        )
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    return site


def test_docs_build_strict_and_document_every_public_name(built_site):
    anchors = set()
    for page in (built_site / "api").rglob("*.html"):
        anchors.update(re.findall(r'id="(imagelosses\.[\w.]+)"', page.read_text()))
    missing = []
    for name, obj in sorted(_public_objects().items()):
        if inspect.isclass(obj) or inspect.isfunction(obj):
            found = f"{obj.__module__}.{name}" in anchors
        else:
            found = any(anchor.endswith(f".{name}") for anchor in anchors)
        if not found:
            missing.append(name)
    assert not missing, f"public names with no entry in the API reference (docs/api/*.md): {missing}"
    for page in PAGES:
        assert (built_site / (page.stem if page.stem != "index" else "") / "index.html").exists()


_ARGS_ENTRY = re.compile(r"^    ([A-Za-z_][\w, ]*?):(?:\s|$)")


def _documented_args(doc: str) -> list[str]:
    lines = inspect.cleandoc(doc or "").splitlines()
    names, inside = [], False
    for line in lines:
        if line and not line.startswith(" "):
            inside = line.strip() in ("Args:", "Arguments:")
            continue
        match = _ARGS_ENTRY.match(line) if inside else None
        if match:
            names += [n.strip() for n in match.group(1).split(",") if n.strip()]
    return names


CALLABLES = sorted(n for n, o in _public_objects().items() if inspect.isclass(o) or inspect.isfunction(o))


@pytest.mark.parametrize("name", CALLABLES)
def test_documented_args_are_parameters(name):
    obj = _public_objects()[name]
    parameters = set(inspect.signature(obj).parameters)
    unknown = [arg for arg in _documented_args(obj.__doc__) if arg not in parameters]
    assert not unknown, f"{name}'s docstring documents {unknown}, which its signature does not take"


def test_conventions_sobel_edges_of_keras_and_tf_image_padding(rng):
    """docs/conventions.md: `tf.image.sobel_edges` pads as `mode="mirror"` (TensorFlow's REFLECT);
    `keras.ops.image.sobel_edges` (Keras 3.15) does so on TensorFlow and pads zeros
    (`mode="constant"`) on jax and torch. scipy's "reflect" is neither."""
    x = rng.random((2, 9, 11, 3)).astype("float32")
    tensorflow = keras.backend.backend() == "tensorflow"
    keras_mode = "mirror" if tensorflow else "constant"
    peers = {"keras.ops.image.sobel_edges": (keras.ops.image.sobel_edges(x), keras_mode)}
    if tensorflow:
        import tensorflow as tf

        peers["tf.image.sobel_edges"] = (tf.image.sobel_edges(tf.constant(x)), "mirror")
    for name, (peer, mode) in peers.items():
        ours = keras.ops.convert_to_numpy(imagelosses.sobel(x, mode=mode))
        np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(peer), rtol=1e-5, atol=1e-6, err_msg=name)
        reflect = keras.ops.convert_to_numpy(imagelosses.sobel(x, mode="reflect"))
        assert not np.allclose(reflect, ours, atol=1e-3)
