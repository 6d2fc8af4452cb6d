"""Installing relulint: the two README commands, what each installs, ranges in the extras and exact
versions only in constraints.txt. (A fresh-clone `make demo` is timed by hand, not here: see the
README; this checks what the commands would install.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
EXTRAS = PYPROJECT["project"]["optional-dependencies"]


def test_readme_documents_exactly_two_commands():
    setup = (ROOT / "README.md").read_text().split("## Set-up", 1)[1].split("\n## ", 1)[0]
    block = setup.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]
    assert commands == ["make demo", "make test"]
    assert "core only" in block and "no torch/TensorFlow" in block  # what demo installs
    assert "constraints.txt" in block and "torch" in block  # what test installs


def test_ci_runs_the_readme_test_command():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "make test" in lines


def _make_dry_run(tmp_path: Path, target: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("needs make")
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    out = subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, check=True)
    return out.stdout


def test_demo_installs_the_core_only(tmp_path):
    out = _make_dry_run(tmp_path, "demo")
    installs = [line for line in out.splitlines() if "pip install" in line]
    assert len(installs) == 1 and re.search(r"-e \. ", installs[0] + " "), installs
    assert "[" not in installs[0]  # no extras
    assert "relulint examples/" in out


def test_test_installs_the_extras_with_the_constraints(tmp_path):
    out = _make_dry_run(tmp_path, "test")
    (install,) = [line for line in out.splitlines() if "pip install" in line]
    assert "'.[dev,all]'" in install and "-c constraints.txt" in install
    assert "pytest tests" in out


def test_core_dependencies_are_light():
    names = {Requirement(r).name for r in PYPROJECT["project"]["dependencies"]}
    assert names == {"libcst", "pathspec"}


def test_extras_are_ranges_not_pins():
    for extra, reqs in EXTRAS.items():
        for raw in reqs:
            req = Requirement(raw)
            assert not any(s.operator in ("==", "===") for s in req.specifier), f"[{extra}] pins {raw}"
    (torch,) = [Requirement(r) for r in EXTRAS["torch"] if r.startswith("torch")]
    assert str(torch.specifier) == ">=2.4"


@pytest.mark.parametrize(("platform", "machine", "expected"), [
    ("linux", "x86_64", "tensorflow-cpu"),
    ("win32", "AMD64", "tensorflow-cpu"),
    ("darwin", "arm64", "tensorflow"),  # no tensorflow-cpu wheel for Apple silicon
    ("darwin", "x86_64", "tensorflow"),
    ("linux", "aarch64", "tensorflow"),
])
def test_tf_extra_picks_a_package_with_wheels(platform, machine, expected):
    env = {"sys_platform": platform, "platform_machine": machine}
    chosen = [Requirement(r).name for r in EXTRAS["tf"]
              if Requirement(r).marker is None or Marker(str(Requirement(r).marker)).evaluate(env)]
    assert chosen == [expected]


def test_constraints_pin_the_local_cpu_torch():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[req.name.lower().replace("_", "-")] = spec.version
    assert pins["torch"] == "2.13.0"  # matches the local 2.13.0+cpu wheel; no CUDA build
    for name in ("libcst", "pathspec", "onnx", "onnxruntime", "tensorflow-cpu", "pygls", "pytest"):
        assert name in pins, name


def test_readme_sample_output_is_what_relulint_prints():
    import os
    import sys

    block = (ROOT / "README.md").read_text().split("```console\n", 1)[1].split("```", 1)[0]
    command, *expected = block.splitlines()
    assert command.startswith("$ relulint ")
    args = command.split()[2:]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    p = subprocess.run([sys.executable, "-m", "relulint", *args, "--no-cache"], cwd=ROOT, capture_output=True,
                       text=True, env=env, timeout=300)
    assert (p.stdout + p.stderr).splitlines() == expected
