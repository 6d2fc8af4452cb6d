"""The static pass never executes the linted code, and the CLI never imports a framework for it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = ("torch", "tensorflow", "onnx", "onnxruntime", "keras", "jax", "pygls")

PROBE = textwrap.dedent("""
    import json, sys
    from relulint.cli import main
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
    heavy = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))
    print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
""").replace("HEAVY", repr(HEAVY))


def probe(tmp_path, *args: str) -> dict:
    p = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    return json.loads(p.stderr.strip().splitlines()[-1])


def test_linting_never_runs_the_code(tmp_path):
    marker = tmp_path / "MARKER"
    (tmp_path / "evil.py").write_text(textwrap.dedent(f"""
        import torch.nn as nn
        open({str(marker)!r}, "w").write("executed")
        raise SystemExit("the linted module ran")
        model = nn.Sequential(nn.Linear(8, 1), nn.ReLU())
        loss_fn = nn.MSELoss()
    """))
    (tmp_path / "train.py").write_text(f"import evil\nopen({str(marker)!r}, 'w').write('neighbour ran')\n")
    p = subprocess.run([sys.executable, "-m", "relulint", ".", "--no-cache"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode in (0, 1), p.stderr
    assert not marker.exists()


def test_version_and_help_import_no_framework(tmp_path):
    for args in (["--version"], ["--help"], ["check", "--help"]):
        got = probe(tmp_path, *args)
        assert got == {"code": 0, "heavy": []}, args


def test_linting_a_small_file_imports_no_framework(tmp_path):
    (tmp_path / "m.py").write_text("import torch.nn as nn\nimport tensorflow as tf\n"
                                   "model = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n")
    for fmt in ("concise", "full", "json"):
        got = probe(tmp_path, "m.py", "--no-cache", "--output-format", fmt)
        assert got == {"code": 1, "heavy": []}, fmt


def test_rule_command_imports_no_framework(tmp_path):
    assert probe(tmp_path, "rule", "--all") == {"code": 0, "heavy": []}
