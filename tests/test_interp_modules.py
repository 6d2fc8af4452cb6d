"""A statement executed in an imported module locates its ops in that module, not in the importer."""

from __future__ import annotations

import textwrap

from relulint.config import Settings
from relulint.engine import FactsCache, lint_file

PARTS = '''
import torch
from torch import nn


class PosEnc(nn.Module):
    def __init__(self, d=16, n=32):
        super().__init__()
        pe = torch.zeros(1, n, d)
        pe[0, :, 0::2] = torch.sin(torch.arange(n).unsqueeze(1) * 0.1)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:, : x.size(1)]
'''

MAIN = '''
from torch import nn

from parts import PosEnc


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos = PosEnc()
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(self.pos(x))
'''


def test_partial_update_in_an_imported_class(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "parts.py").write_text(textwrap.dedent(PARTS))
    (tmp_path / "main.py").write_text(textwrap.dedent(MAIN))
    cache = FactsCache()
    for name in ("parts.py", "main.py"):
        result = lint_file(str(tmp_path / name), Settings(), cache)
        assert [f.code for f in result.findings] == [], [f.message for f in result.findings]
