"""Placeholder: filled in by the keras frontend work."""

from relulint.model import ModuleFacts
from relulint.source.common import SourceContext


def lower(ctx: SourceContext, facts: ModuleFacts) -> None:
    return None
