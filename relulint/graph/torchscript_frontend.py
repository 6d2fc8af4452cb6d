"""TorchScript frontend: a saved `torch.jit` archive read as data -> GNodes on the data path -> the IR.

Nothing in the file is run: `torch.jit.load` would execute the `__setstate__` methods an archive
stores as TorchScript source, so a model file from an untrusted repository could run code in the
linting job. Instead (see `relulint.graph.archive`):

- `data.pkl` (the module tree and its weights) goes through the restricted unpickler: modules
  become inert `Record`s holding their attributes, tensors become `TensorRef`s read on demand;
- the structure comes from the archive's `code/__torch__/**.py` files, parsed as text with `ast`
  and walked symbolically (`tsinterp`), never compiled to code objects or executed;
- positions come from the `*.debug_pkl` source ranges, unpickled the same restricted way.

A plain `torch.save` pickle (a state dict or a pickled module) is refused without unpickling it: a
state dict has no graph to lint.
"""

from __future__ import annotations

import os
import zipfile

from relulint.graph.archive import Archive, ArchiveError, Record, TensorRef, read_archive
from relulint.graph.atenops import archive_facts
from relulint.ir import ModuleFacts


class GraphError(Exception):
    """The file cannot be read as TorchScript; shown to the user as RL002."""


def check_archive(path: str) -> None:
    """Refuse anything that is not a TorchScript zip, without unpickling it (the zip layout is judged
    by `relulint.torch_archives`, as directory walks judge it)."""
    from relulint.torch_archives import PICKLE, TORCHSCRIPT, archive_kind, kind_of_names

    if not zipfile.is_zipfile(path):
        if archive_kind(path) == PICKLE:
            raise GraphError("a legacy torch.save pickle, not TorchScript: relulint does not unpickle files "
                             "(that can run code). Export with torch.jit.script(model).save(path) or "
                             "torch.onnx.export")
        raise GraphError("not a TorchScript archive (not a zip file); truncated or not a model?")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise GraphError(f"corrupt TorchScript archive: {exc}") from None
    if kind_of_names(names) != TORCHSCRIPT:
        raise GraphError("a torch.save checkpoint (state dict or pickled module), not TorchScript: it holds "
                         "weights but no graph, and relulint does not unpickle it. Export with "
                         "torch.jit.script(model).save(path) or torch.onnx.export")


def lower(path: str, settings) -> ModuleFacts:
    check_archive(path)
    return read_archive(path, "TorchScript", GraphError, _lower, settings)


def _lower(path: str, archive: Archive, settings) -> ModuleFacts:
    from relulint.graph.tsinterp import CodeIndex, Interpreter

    if not archive.has("data.pkl"):
        raise GraphError("TorchScript archive without data.pkl (a mobile-only .ptl?); cannot be read as data")
    root = archive.pickle("data.pkl")
    if not isinstance(root, Record):
        raise GraphError("data.pkl does not hold a TorchScript module")
    constants = archive.pickle("constants.pkl") if archive.has("constants.pkl") else ()
    interp = Interpreter(path, CodeIndex(archive), root, constants if isinstance(constants, tuple) else ())
    dtypes = _traced_dtypes(archive)
    nodes, inputs, outputs = interp.run_forward(dtypes)
    name = root.qualname.rsplit(".", 1)[-1] or os.path.basename(path)
    return archive_facts(path, "torchscript", name, "module", nodes, inputs, settings, outputs)


def _traced_dtypes(archive: Archive) -> list[str | None]:
    """The dtypes of the example inputs `torch.jit.trace` recorded (`traced_inputs.pkl`); only the
    storage types are read, never the example tensors' bytes."""
    if not archive.has("traced_inputs.pkl"):
        return []
    try:
        recorded = archive.pickle("traced_inputs.pkl")
    except ArchiveError:
        return []
    example = recorded.get("forward") if isinstance(recorded, dict) else None
    if not isinstance(example, (list, tuple)):
        return []
    return [t.dtype if isinstance(t, TensorRef) else None for t in example]



