"""`imagelosses list`, `--help`, bad commands, `python -m imagelosses` and `--backend`."""

import json
import os
import subprocess
import sys

import keras

import imagelosses


def test_list_shows_every_registered_loss_and_metric(run_cli):
    code, out, _ = run_cli("list")
    assert code == 0
    for name in [*imagelosses.LOSSES, *imagelosses.METRICS]:
        assert name in out
    assert "Mathieu, Couprie and LeCun" in out  # a reference column


def test_list_json_has_a_purpose_and_reference_for_each(run_cli):
    code, out, _ = run_cli("list", "--format", "json")
    assert code == 0
    items = json.loads(out)
    assert {i["name"] for i in items} == set(imagelosses.LOSSES) | set(imagelosses.METRICS)
    assert all(i["purpose"] and i["purpose"] != "-" and i["reference"] for i in items)


def test_help_exits_0_and_bad_arguments_exit_2(run_cli):
    assert run_cli("--help")[0] == 0
    assert run_cli("bakeoff", "--help")[0] == 0
    assert run_cli()[0] == 2
    assert run_cli("frobnicate")[0] == 2
    assert run_cli("bakeoff", "--task", "paint")[0] == 2


def test_python_m_imagelosses_and_backend_in_a_child_process():
    # `--backend` names another backend than this process loaded: the command re-runs itself
    # in a child process with KERAS_BACKEND set before Keras is imported there.
    other = "jax" if keras.backend.backend() != "jax" else "torch"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from imagelosses.cli.main import main; sys.exit(main(["
            f"'--backend', '{other}', '--version']))",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"backend {other}" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "imagelosses", "list", "--format", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_a_missing_cli_extra_is_named_with_its_install_command(run_cli, monkeypatch, tmp_path):
    # None in sys.modules makes `import matplotlib` fail as it does where the extra is absent.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "report"
    code, _, err = run_cli("bakeoff", "--quick", "--task", "restore", "--losses", "mse", "--out", out)
    assert code == 1
    assert "'matplotlib'" in err and "pip install 'imagelosses[cli]'" in err
    # Checked before any training: no run started, no report folder written.
    assert "epoch" not in err and "restore 1/1" not in err
    assert not out.exists()
