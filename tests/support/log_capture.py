"""Capture the log lines MXNet-style code writes to the root logger (not TF's own)."""
import contextlib
import logging


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        if record.name == 'root':       # what MXNet logs; not TensorFlow's own warnings
            self.lines.append(record.getMessage())


@contextlib.contextmanager
def capture_logs():
    """``with capture_logs() as lines:`` -- the root logger's messages, in order."""
    root = logging.getLogger()
    h = _Lines()
    old = root.level
    root.addHandler(h)
    root.setLevel(logging.DEBUG)
    try:
        yield h.lines
    finally:
        root.removeHandler(h)
        root.setLevel(old)
