"""`pytest --update-snapshots` rewrites the committed snapshots (tests/snapshots/) instead of comparing."""

from __future__ import annotations

import os

from relulint.testing import SNAPSHOT_ENV


def pytest_addoption(parser):
    parser.addoption("--update-snapshots", action="store_true", help="rewrite tests/snapshots/ from the current output")


def pytest_configure(config):
    if config.getoption("--update-snapshots"):
        os.environ[SNAPSHOT_ENV] = "1"
