"""Hostile source files: each must end (with a finding or silence) well under 2 s, never hang.

Prints the CPU time of `lint_source` on each (the machine may be shared: CPU time is what the file
costs), next to the bare libcst parse of the same text.

    python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import time

import libcst as cst

from relulint.config import Settings
from relulint.engine import lint_source

CASES = {
    "N = 9 ** 9 ** 9 as a layer size": "import torch.nn as nn\nN = 9 ** 9 ** 9\nm = nn.Sequential(nn.Linear(N, 4))\n",
    "self-referential assignments": "import torch.nn as nn\na = b\nb = a\n" + "a = a + a\nb = [b, a] * 2\n" * 200
                                    + "m = nn.Sequential(*b)\n",
    "exponent tower in a loop": "import torch.nn as nn\nn = 2\nfor _ in range(100):\n    n = n ** n\nm = nn.Linear(n, 2)\n",
    "10,000-layer Sequential": "import torch.nn as nn\nmodel = nn.Sequential(\n" + "    nn.Linear(8, 8), nn.ReLU(),\n" * 5000
                               + ")\n",
    "10,000 layers appended in a loop": "import torch.nn as nn\nlayers = []\nfor i in range(10000):\n"
                                        "    layers += [nn.Linear(8, 8), nn.ReLU()]\nmodel = nn.Sequential(*layers)\n",
    "100,000-line file": "import torch.nn as nn\n" + "".join(f"x{i} = nn.Linear({i % 97 + 1}, 4)\n" for i in range(100_000)),
    "1,000-term sum as a layer size": "import torch.nn as nn\nm = nn.Linear(" + " + ".join(["1"] * 1000) + ", 4)\n",
    "1,000-deep attribute chain": "import torch.nn as nn\nx = nn.Linear(4, 4)\ny = x" + ".weight" * 1000 + "\n",
    "1,000-deep not": "import torch.nn as nn\nflag = " + "not " * 1000 + "True\nm = nn.Linear(4, 4)\n",
    "1,000-deep nested calls": "import torch.nn as nn\nm = " + "nn.Sequential(" * 1000 + "nn.Linear(4, 4)" + ")" * 1000
                               + "\n",
    "1,000-deep nested functions": "import torch.nn as nn\n" + "".join(" " * i + f"def f{i}():\n" for i in range(1000))
                                   + " " * 1000 + "return nn.Linear(4, 4)\n",
    "500 classes": "import torch.nn as nn\n" + "".join(
        f"class M{i}(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n"
        f"    def forward(self, x):\n        return self.fc(x).relu()\n" for i in range(500)),
}


def main() -> None:
    print(f"{'case':40s} {'lines':>7s} {'parse s':>8s} {'relulint s':>10s}  (aim: < 2 s each, never a traceback)",
          flush=True)
    for name, code in CASES.items():
        start = time.process_time()
        result = lint_source(code, "hostile.py", Settings())
        total = time.process_time() - start
        codes = sorted({f.code for f in result.findings})
        parse = "-"  # not timed where relulint refuses the text before parsing (RL000): libcst may take minutes
        if "RL000" not in codes:
            start = time.process_time()
            cst.parse_module(code)
            parse = f"{time.process_time() - start:.2f}"
        print(f"{name:40s} {code.count(chr(10)):7d} {parse:>8s} {total:10.2f}  {' '.join(codes)}", flush=True)


if __name__ == "__main__":
    main()
