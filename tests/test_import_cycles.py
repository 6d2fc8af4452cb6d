"""Import cycles through a package's `__init__` (the package re-exports its modules with star imports,
and a module imports a name back from the package) end: a name bound in such a cycle is unknown.
The lint runs in a worker thread here so a regression fails the test instead of hanging the suite."""

from __future__ import annotations

import threading

from relulint.config import Settings
from relulint.engine import lint_file

FILES = {
    "setup.py": "",
    "pkg/__init__.py": "from .net import Net\nfrom . import callbacks\n",
    "pkg/callbacks/__init__.py": "from .base import *\nfrom .sched import *\n",
    "pkg/callbacks/base.py": "class Callback:\n    pass\n",
    "pkg/callbacks/sched.py": "import torch\nfrom pkg.callbacks import Callback\n\n\nclass LRScheduler(Callback):\n    pass\n",
    "pkg/net.py": (
        "import torch.nn as nn\nfrom pkg.callbacks import Callback\n\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 1)\n        self.act = nn.ReLU()\n\n"
        "    def forward(self, x):\n        return self.act(self.fc(x))\n\n\n"
        "def fit(x, y):\n    model = Net()\n    loss = nn.MSELoss()(model(x), y)\n    loss.backward()\n"
    ),
}


def _lint_in_thread(path: str) -> list:
    out: list = []
    worker = threading.Thread(target=lambda: out.append(lint_file(path, Settings())), daemon=True)
    worker.start()
    worker.join(120)  # a hang guard only (the lint takes well under a second)
    assert out, f"linting {path} did not end"
    return out[0].findings


def test_reexport_cycle_through_package_init_ends(tmp_path):
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert _lint_in_thread(str(tmp_path / "pkg/callbacks/sched.py")) == []
    # the rest of the package is still judged
    found = [(f.code, f.origin.line) for f in _lint_in_thread(str(tmp_path / "pkg/net.py"))]
    assert found == [("RL101", 12)]
