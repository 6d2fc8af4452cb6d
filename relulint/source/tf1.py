"""Placeholder: filled in by the tf1 frontend work."""

from relulint.model import ModuleFacts
from relulint.source.common import SourceContext


def lower(ctx: SourceContext, facts: ModuleFacts) -> None:
    return None
