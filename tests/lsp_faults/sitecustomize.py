"""Faults for tests/test_lsp_isolation.py, injected into every Python process started with this folder
on PYTHONPATH and RELULINT_TEST_FAULTS=1 (the server and its lint worker). A document whose text holds
one of the markers below fails that way inside the real lint path (the source pass's entry point),
standing for bugs no real input is known to trigger any more (a native parser crash, a hang)."""

import os

if os.environ.get("RELULINT_TEST_FAULTS") == "1":
    import signal
    import time

    import relulint.source as _source

    _real_lower = _source.lower_source

    def _faulty_lower(path, code, module=None, syntax=None):
        if "FAULT: segv" in code:
            os.kill(os.getpid(), signal.SIGSEGV)
        if "FAULT: recursion" in code:
            raise RecursionError("maximum recursion depth exceeded")
        if "FAULT: memory" in code:
            raise MemoryError()
        if "FAULT: slow" in code:  # Python-level work: a cancel can reach it
            end = time.monotonic() + 120
            while time.monotonic() < end:
                time.sleep(0.01)
        if "FAULT: hang" in code:  # stuck in one native call: only the time limit ends it
            time.sleep(3600)
        return _real_lower(path, code, module, syntax)

    _source.lower_source = _faulty_lower
