"""Models from libraries relulint does not read (torchvision, timm) as API models: an unknown
backbone followed by the library's classification head, or by the module the program puts in its
place for fine-tuning (`model.fc = nn.Sequential(nn.Linear(512, 1), nn.ReLU())`). The head is what
the loss sees, so a replaced head is judged like any other output layer; the backbone is opaque."""

from __future__ import annotations

import relulint.knowledge.torch as TORCH
from relulint.ir import Op
from relulint.source.interp.values import UNK, LibModel, Tensor


def _family(short: str, table: dict):
    """table's entry for the model family `short` names (`vgg16_bn` -> "vgg"): the longest key it
    starts with, so wide_resnet is not resnet; None when no key matches."""
    key = max((k for k in table if short.startswith(k)), key=len, default=None)
    return None if key is None else table[key]


def make(q: str, api, node) -> LibModel | None:
    """The library model `q(...)` builds, or None when `q` is not a known model constructor."""
    short = q.rsplit(".", 1)[-1]
    if q in TORCH.LIBRARY_MODEL_FACTORIES:
        heads = TORCH.LIBRARY_ANY_HEAD
    elif q.startswith(TORCH.LIBRARY_MODEL_PREFIXES) and short[:1].islower():
        head = _family(short, TORCH.LIBRARY_MODEL_HEADS)
        if head is None:
            return None
        heads = frozenset({head})
    else:
        return None
    text, origin = api.text(node), api.origin(node)
    return LibModel(q, heads, body=Op("other", f"{text} backbone", origin),
                    default_head=Op("affine", f"{text} classifier", origin))


def apply(interp, model: LibModel, node) -> Tensor:
    """model(x): the backbone, then the head (the library's linear classifier unless replaced)."""
    t = Tensor(net=model, chain=(model.body,))
    if model.head is None:
        return Tensor(net=model, chain=(model.body, model.default_head))
    return interp.retag(interp.apply_children([model.head], t, node), model)


def set_attribute(interp, model: LibModel, name: str, value: object) -> None:
    if name in model.head_attrs:
        _replace_head(interp, model, value)


def _replace_head(interp, model: LibModel, value: object) -> None:
    model.head = value
    interp.mark_part(value)


def attribute(model: LibModel, name: str) -> object:
    if name in model.head_attrs:
        return model.head if model.head is not None else LibHead(model)
    return UNK


class LibHead:
    """The library's own head of a library model (`model.classifier`), read only to replace one of its
    layers: `model.classifier[6] = nn.Linear(4096, 1)`. Anything else read from it is unknown."""

    def __init__(self, model: LibModel) -> None:
        self.model = model


def set_head_item(interp, head: LibHead, key: object, value: object) -> None:
    """`model.classifier[k] = layer`: the new output layer when k is the head's last index (from the
    library's table), else a layer inside the head, after which the output is not known."""
    model = head.model
    last = _family(model.qname.rsplit(".", 1)[-1], TORCH.LIBRARY_HEAD_LAST_INDEX)
    if isinstance(key, int) and not isinstance(key, bool) and last is not None and key in (last, -1):
        _replace_head(interp, model, value)
    else:
        model.head = UNK
