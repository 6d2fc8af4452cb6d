"""What a file's text alone says about it, before any parse: does it name a loss from the tables,
feed data, or train (back-propagate or fit)? Cheap regex checks that decide which neighbours are
worth reading and which functions are worth running as entry points."""

from __future__ import annotations

import functools
import re

# Training code feeds data through these; a neighbour with none of them and no loss adds no context.
_FEED_HINTS = ("fit", "predict", "evaluate", "train_on_batch", "feed_dict", "DataLoader", "load_data", "forward")
_TRAINING_CALLS = re.compile(r"\.backward\(|\.fit\(|\btrain_on_batch\b|\btraining_step\b|\btrain_step\b")


@functools.cache
def _loss_names() -> frozenset[str]:
    """The loss callables of the tables by their last name (MSELoss, mse_loss, binary_crossentropy)."""
    from relulint.knowledge import tables

    return frozenset(q.rsplit(".", 1)[-1] for q in tables().losses)


@functools.cache
def _context_hints() -> re.Pattern[str]:
    from relulint.knowledge import tables

    words = _loss_names() | set(tables().loss_strings) | set(_FEED_HINTS)
    alternatives = sorted(map(re.escape, words)) + [r"\*\*\s*2\b", r"\.pow\(\s*2", r"square"]
    return re.compile("|".join(alternatives))


@functools.cache
def _loss_words() -> re.Pattern[str]:
    return re.compile("|".join(rf"\b{re.escape(w)}\b" for w in sorted(_loss_names())))


def has_context_hints(code: str) -> bool:
    """A neighbour is read only for its losses and data feeds: skip the (10x more costly) metadata pass
    on files that name no loss from the tables, no hand-written squared error, and no feed."""
    return _context_hints().search(code) is not None


def trains(code: str) -> bool:
    """The text names a loss from the tables (as a word) and back-propagates or fits."""
    return _loss_words().search(code) is not None and _TRAINING_CALLS.search(code) is not None


# A script that runs the training step itself (PyTorch, Keras, TF1, Lightning), whether or not the loss it
# minimises is one of the tables' (a hand-written TF1 cross-entropy names none).
_DRIVES_TRAINING = re.compile(r"\.backward\(|\.fit(?:_generator)?\(|\btrain_on_batch\b|\btraining_step\b|"
                              r"\btrain_step\b|\.minimize\(|\bapply_gradients\(")
# A module that defines a layer whose weights the interpreter only sees when the layer is built by the
# code that uses it: a Keras `Layer` subclass (`build` / `add_weight`), a TF1 variable helper.
_DEFINES_LAYERS = re.compile(r"^[ \t]*class[ \t]+\w+[ \t]*\([^)]*\bLayer\b|\badd_weight\(|\bget_variable\(|"
                             r"\btf\.Variable\(", re.MULTILINE)


# Plain substrings one of the patterns above needs: `in` scans text many times faster than an
# alternation of patterns (asked of every file of a package's folders).
_DRIVES_WORDS = ("backward(", ".fit", "train_on_batch", "training_step", "train_step", ".minimize(",
                 "apply_gradients(")
_LAYER_WORDS = ("Layer", "add_weight(", "get_variable(", "tf.Variable(")


def drives_training(code: str) -> bool:
    """The text runs a training step (back-propagates, fits, minimises): it is the top of a chain of
    imports (train.py -> model.py -> ops.py), a script whose loss judges the modules below it."""
    return any(w in code for w in _DRIVES_WORDS) and _DRIVES_TRAINING.search(code) is not None


def defines_layers(code: str) -> bool:
    """The text defines a layer (a Keras Layer subclass, weights made with add_weight / get_variable /
    tf.Variable) that only the modules using it build: its drivers are worth reading even when the file
    holds no network of its own."""
    return any(w in code for w in _LAYER_WORDS) and _DEFINES_LAYERS.search(code) is not None
