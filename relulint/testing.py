"""`# expect: RL101` markers (pylint functional-test style), parsed apart from suppressions."""

from __future__ import annotations

import re

_EXPECT = re.compile(r"#\s*expect(?P<offset>[+-]\d+)?\s*:\s*(?P<codes>RL\d{3}(?:\s*,\s*RL\d{3})*)")


def expectations(source: str) -> set[tuple[int, str]]:
    """{(line, code)} for every `# expect: RLxxx[, RLyyy]` (or `# expect+1: ...`) in the source."""
    out = set()
    for i, text in enumerate(source.splitlines(), start=1):
        m = _EXPECT.search(text)
        if m:
            line = i + int(m.group("offset") or 0)
            out.update((line, c.strip()) for c in m.group("codes").split(","))
    return out
