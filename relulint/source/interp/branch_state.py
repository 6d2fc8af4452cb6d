"""Containers an `if` on an unknown condition mutates: `if final_act: layers.append(nn.ReLU())`,
`if cfg.positive: self.act = nn.ReLU()`, `model.add(Dense(1, activation=...))` in one arm.

The evaluator runs both arms on one state. Rebound names are joined from the two frames; a list,
module list, dict or module attribute changed in place is shared by both arms, so without this the
first arm's append would look certain. `snapshot` records the containers reachable from the frame
(its locals and `self`, one level down) before the first arm; `restore` puts them back before the
second; `merge` leaves in each what both arms agree on: a list keeps its shared prefix and, where
the arms differ in what they add, one opaque element (UNK: a step nothing may be read from).
"""

from __future__ import annotations

from relulint.source.interp.values import UNK, DictVal, Instance, LayerVal, ListVal, SeqVal, op_effect

MAX_ITEMS = 1000  # a bigger container is data, not a model being built: left shared


def _contents(obj: object) -> object:
    if isinstance(obj, ListVal):
        return list(obj.items)
    if isinstance(obj, SeqVal):
        return list(obj.children), list(obj.keys) if obj.keys is not None else None
    if isinstance(obj, DictVal):
        return dict(obj.items)
    if isinstance(obj, Instance):
        return dict(obj.attrs), list(obj.children) if obj.children is not None else None
    return None


def _put(obj: object, contents: object) -> None:
    if isinstance(obj, ListVal):
        obj.items[:] = contents
    elif isinstance(obj, SeqVal):
        obj.children[:], keys = contents[0], contents[1]
        if keys is not None and obj.keys is not None:
            obj.keys[:] = keys
    elif isinstance(obj, DictVal):
        obj.items.clear()
        obj.items.update(contents)
    elif isinstance(obj, Instance):
        obj.attrs.clear()
        obj.attrs.update(contents[0])
        if contents[1] is not None and obj.children is not None:
            obj.children[:] = contents[1]


def _size(obj: object) -> int:
    if isinstance(obj, ListVal):
        return len(obj.items)
    if isinstance(obj, SeqVal):
        return len(obj.children)
    if isinstance(obj, DictVal):
        return len(obj.items)
    if isinstance(obj, Instance):
        return len(obj.attrs) + len(obj.children or ())
    return MAX_ITEMS + 1


def snapshot(values, self_val: object) -> list[tuple[object, object]]:
    """(container, its contents) for each container among `values` and `self_val`'s attributes."""
    seen: set[int] = set()
    out: list[tuple[object, object]] = []

    def take(v: object) -> None:
        if id(v) in seen or not isinstance(v, (ListVal, SeqVal, DictVal, Instance)) or _size(v) > MAX_ITEMS:
            return
        seen.add(id(v))
        out.append((v, _contents(v)))

    for v in values:
        take(v)
    if isinstance(self_val, Instance):
        take(self_val)
        for v in list(self_val.attrs.values()):
            take(v)
    return out


def restore(snap: list[tuple[object, object]]) -> list[object]:
    """Put every container back as it was; returns what the arm just run left in each."""
    after = [_contents(obj) for obj, _ in snap]
    for obj, before in snap:
        _put(obj, before)
    return after


def merge(snap: list[tuple[object, object]], first: list[object], first_left: bool, second_left: bool,
          join_values) -> None:
    """Each container as both arms leave it. An arm that returned or raised (`*_left`) leaves nothing
    behind: the other arm's state holds."""
    for (obj, _), one in zip(snap, first, strict=True):
        two = _contents(obj)
        if first_left and not second_left:
            continue  # the second arm's state is already in place
        if second_left and not first_left:
            _put(obj, one)
            continue
        if isinstance(obj, ListVal):
            _put(obj, _merge_list(one, two))
        elif isinstance(obj, SeqVal):
            keys = one[1] if one[1] == two[1] else None
            merged = _merge_list(one[0], two[0])
            if keys is not None and len(keys) != len(merged):
                keys = None
            _put(obj, (merged, keys))
            if keys is None and obj.keys is not None and len(obj.keys) != len(merged):
                obj.keys = None
        elif isinstance(obj, DictVal):
            _put(obj, _merge_dict(one, two, join_values))
        elif isinstance(obj, Instance):
            kids = one[1] if one[1] is None or two[1] is None else _merge_list(one[1], two[1])
            _put(obj, (_merge_dict(one[0], two[0], join_values), kids))


def _effect(items: list) -> tuple:
    """The layers' effects on the output (op_effect: a Dropout appended in one arm only, `if p > 0:
    layers.append(nn.Dropout(p))`, leaves the rest of the model certain); any other value is itself."""
    out = []
    for v in items:
        e = op_effect(v.op) if isinstance(v, LayerVal) else ("value", id(v))
        if e is not None:
            out.append(e)
    return tuple(out)


def _merge_list(one: list, two: list) -> list:
    n = min(len(one), len(two))
    k = 0
    while k < n and one[k] is two[k]:
        k += 1
    if k == len(one) == len(two):
        return one
    tail1, tail2 = one[k:], two[k:]
    if _effect(tail1) == _effect(tail2):
        return one if len(tail1) >= len(tail2) else two  # the arms differ only in dropout / reshape
    return one[:k] + [UNK]


def _merge_dict(one: dict, two: dict, join_values) -> dict:
    out = dict(one)
    for k, v in two.items():
        out[k] = join_values(out[k], v) if k in out and out[k] is not v else v
    return out
