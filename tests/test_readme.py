"""The README's examples: its Python blocks run as written, in order, on small generated data, and
every line of its shell blocks is a real command (checked as the docs pages' are)."""

import re
from pathlib import Path

import keras
import numpy as np

from tests.test_docs import check_shell_line

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3
    rng = np.random.default_rng(0)
    clean = rng.random((4, 64, 64, 1)).astype("float32")
    namespace = {  # the names the examples leave to the reader
        "clean_images": clean,
        "noisy_images": np.clip(clean + 0.1 * rng.standard_normal(clean.shape), 0, 1),
        "x": clean,
        "y": clean,
    }
    monkeypatch.chdir(tmp_path)  # model.save("model.keras") writes here
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    model = keras.saving.load_model(tmp_path / "model.keras")
    assert np.all(np.isfinite(model.predict(clean, verbose=0)))


def test_readme_shell_lines_are_real_commands():
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks
    for block in blocks:
        for line in block.splitlines():
            check_shell_line(line)
