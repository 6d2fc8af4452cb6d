"""Models from libraries relulint does not read (torchvision, timm) as API models: an unknown
backbone followed by the library's classification head, or by the module the program puts in its
place for fine-tuning (`model.fc = nn.Sequential(nn.Linear(512, 1), nn.ReLU())`). The head is what
the loss sees, so a replaced head is judged like any other output layer; the backbone is opaque."""

from __future__ import annotations

import relulint.knowledge.torch as TORCH
from relulint.ir import Op
from relulint.source.interp.values import UNK, LibModel, Tensor

_BY_LENGTH = sorted(TORCH.LIBRARY_MODEL_HEADS, key=len, reverse=True)  # wide_resnet before resnet


def make(q: str, api, node) -> LibModel | None:
    """The library model `q(...)` builds, or None when `q` is not a known model constructor."""
    short = q.rsplit(".", 1)[-1]
    if q in TORCH.LIBRARY_MODEL_FACTORIES:
        heads = TORCH.LIBRARY_ANY_HEAD
    elif q.startswith(TORCH.LIBRARY_MODEL_PREFIXES) and short[:1].islower():
        key = next((k for k in _BY_LENGTH if short.startswith(k)), None)
        if key is None:
            return None
        heads = frozenset({TORCH.LIBRARY_MODEL_HEADS[key]})
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
    short = model.qname.rsplit(".", 1)[-1]
    last = next((i for k, i in _LAST_BY_LENGTH if short.startswith(k)), None)
    if isinstance(key, int) and not isinstance(key, bool) and last is not None and key in (last, -1):
        model.head = value
        interp.mark_part(value)
    else:
        model.head = UNK


_LAST_BY_LENGTH = sorted(TORCH.LIBRARY_HEAD_LAST_INDEX.items(), key=lambda kv: len(kv[0]), reverse=True)
