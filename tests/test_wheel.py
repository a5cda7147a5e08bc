"""The package as a user gets it: `python -m build` makes an sdist and a wheel, and the wheel
installed into a clean virtual environment with only keras, numpy and jax imports and computes.

Runs once per suite, under the jax backend (the wheel is the same for every backend): the build
takes about 10 s and the venv with keras, numpy and jax, the import and one loss about 40 s on a
busy 2-core machine, with pip's cache warm.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import keras
import pytest

import imagelosses

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "jax",
    reason="built and installed once per suite, under the jax backend (the wheel is backend-independent)",
)

# what MANIFEST.in puts in the sdist besides the package (the wheel holds the package only)
SDIST_FILES = ("README.md", "LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "Makefile", "mkdocs.yml")
SDIST_FOLDERS = ("docs", "tests", "benchmarks", "scripts")
NOT_COPIED = ("__pycache__", "*.egg-info", "results", ".hypothesis")

SMOKE = """
import importlib.metadata, importlib.resources
import numpy as np
import keras
import imagelosses

assert keras.backend.backend() == "jax"
assert imagelosses.__version__ == importlib.metadata.version("imagelosses")
assert importlib.resources.files("imagelosses").joinpath("py.typed").is_file()
rng = np.random.default_rng(0)
labels = rng.integers(0, 3, size=(2, 16, 16))
probabilities = rng.dirichlet(np.ones(3), size=(2, 16, 16)).astype("float32")
per_image = keras.ops.convert_to_numpy(imagelosses.dice_loss(labels, probabilities))
assert per_image.shape == (2,) and np.all((per_image > 0) & (per_image < 1)), per_image
from imagelosses.cli.main import main

assert main(["--version"]) == 0  # what the console script runs
print("ok", imagelosses.__file__)
"""


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out, source = tmp_path_factory.mktemp("dist"), tmp_path_factory.mktemp("source")
    # a copy of what the build reads, so parallel test workers never share build state
    for name in ("pyproject.toml", "MANIFEST.in", *SDIST_FILES):
        shutil.copy(ROOT / name, source / name)
    for name in ("src", *SDIST_FOLDERS):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns(*NOT_COPIED))
    # --no-isolation builds with this environment's setuptools (pyproject's build requirement),
    # so the build needs no download
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)])
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return wheels[0], sdists[0]


def test_build_makes_a_wheel_and_an_sdist_of_this_version(dist):
    wheel, sdist = dist
    version = imagelosses.__version__
    assert wheel.name == f"imagelosses-{version}-py3-none-any.whl"
    assert sdist.name == f"imagelosses-{version}.tar.gz"
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    expected = {"pyproject.toml", "src/imagelosses/__init__.py", "tests/conftest.py", "docs/index.md"}
    expected |= set(SDIST_FILES)
    assert expected <= names, sorted(expected - names)
    assert not [n for n in names if "__pycache__" in n or n.startswith("benchmarks/results")]


def test_wheel_holds_the_package_and_no_tests_or_data(dist):
    wheel, _ = dist
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    info = f"imagelosses-{imagelosses.__version__}.dist-info/"
    package = [n for n in names if not n.startswith(info)]
    assert all(n.startswith("imagelosses/") for n in package), [
        n for n in package if not n.startswith("imagelosses/")
    ]
    assert not [n for n in package if not (n.endswith(".py") or n == "imagelosses/py.typed")], (
        "data files in the wheel"
    )
    assert not [n for n in names if "tests/" in n or "__pycache__" in n or "benchmarks/" in n]
    for module in (
        "imagelosses/__init__.py",
        "imagelosses/py.typed",
        "imagelosses/losses/base.py",
        "imagelosses/cli/main.py",
    ):
        assert module in names
    assert info + "licenses/LICENSE" in names
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(info + "METADATA").decode()
    assert f"Version: {imagelosses.__version__}" in metadata
    assert "License-Expression: Apache-2.0" in metadata


def test_wheel_installs_into_a_clean_venv_and_computes_a_loss(dist, tmp_path):
    wheel, _ = dist
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    # this environment's pip installs into the new venv (`--python`): only keras, numpy and one
    # backend, none of this environment's packages; --no-compile skips byte-compiling all of them
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    _run([*pip, "install", "--quiet", "--no-compile", str(wheel), "keras", "numpy", "jax"])
    installed = _run([*pip, "list", "--format", "freeze"]).stdout.lower()
    for absent in ("tensorflow", "torch", "pytest", "matplotlib", "scikit-image"):  # (jax brings scipy)
        assert f"\n{absent}==" not in f"\n{installed}", f"{absent} was installed into the clean venv"
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": "", "PYTHONNOUSERSITE": "1"}
    result = _run([str(python), "-c", SMOKE], env=env, cwd=tmp_path)
    assert f"ok {venv}" in result.stdout, result.stdout  # imported from the venv, not this checkout
    script = (venv / "bin" / "imagelosses").read_text()  # the console script, calling main as above
    assert "from imagelosses.cli.main import main" in script, script
