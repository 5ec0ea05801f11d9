"""Load TensorFlow without its start-up chatter on stderr.

Importing TensorFlow and finding its devices prints, even with ``TF_CPP_MIN_LOG_LEVEL=3``, lines
such as absl's "All log messages before absl::InitializeLog() is called are written to STDERR",
"Could not find cuda drivers on your machine", cpu_feature_guard's instruction notice and an
E-level "failed call to cuInit" on machines without a GPU. They come from native code writing to
file descriptor 2, so the only clean way to filter them is there: while TensorFlow loads and lists
its GPUs, fd 2 points at a temporary file; then it is restored and everything captured is written
back except TensorFlow's own log lines below the level asked for. Anything else -- a Python
warning, a real error, a traceback -- still reaches the user.

The level asked for is the user's ``TF_CPP_MIN_LOG_LEVEL`` (0 keeps every TF line, 3 none) and,
when unset, 3 for these start-up lines; afterwards tfmod sets ``TF_CPP_MIN_LOG_LEVEL=2`` so TF's
later errors still print. ``TFMOD_VERBOSE=1`` turns all of this off.
"""
import os
import re
import sys

# A TF/absl log line: severity letter, MMDD, time (absl writes 00:00:<epoch seconds> before it is
# initialised), thread id, file:line]
_LOG_LINE = re.compile(r'^([IWEF])\d{4} [\d:.]+\s+\d+ [^\s\]]+:\d+\] ')
_ABSL_BANNER = 'WARNING: All log messages before absl::InitializeLog() is called'
# Lines TF prints as the continuation of a log line.
_CONTINUATIONS = ('To enable the following instructions:',)
_LEVELS = {'I': 0, 'W': 1, 'E': 2, 'F': 3}


def verbose():
    """Whether the user asked for TensorFlow's start-up output (``TFMOD_VERBOSE=1``)."""
    return os.environ.get('TFMOD_VERBOSE', '').strip().lower() in ('1', 'true', 'yes', 'on')


def _min_level():
    try:
        return int(os.environ['TF_CPP_MIN_LOG_LEVEL'])
    except (KeyError, ValueError):
        return 3


def filter_startup_output(text, min_level):
    """``text`` without the TF log lines (and their continuations) below ``min_level``."""
    kept, dropping = [], False
    for line in text.splitlines(keepends=True):
        m = _LOG_LINE.match(line)
        if m:
            dropping = _LEVELS[m.group(1)] < min_level
        elif line.startswith(_ABSL_BANNER):    # only worth showing with every TF line
            dropping = min_level > _LEVELS['I']
        elif not (dropping and line.startswith(_CONTINUATIONS)):
            dropping = False
        if not dropping:
            kept.append(line)
    return ''.join(kept)


def _load_tf():
    import tensorflow as tf
    tf.config.list_physical_devices('GPU')     # device discovery: where cuInit complains


def load_quietly():
    """Import TensorFlow (once, before anything else in tfmod does) with the start-up chatter
    filtered as described above."""
    if 'tensorflow' in sys.modules:
        return
    if verbose():
        _load_tf()
        return
    min_level = _min_level()
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    try:
        import tempfile
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):   # no usable fd 2: nothing to filter
        _load_tf()
        return
    capture = tempfile.TemporaryFile()
    try:
        os.dup2(capture.fileno(), 2)
        _load_tf()
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
            pass
        os.dup2(saved, 2)
        os.close(saved)
        capture.seek(0)
        text = capture.read().decode('utf-8', 'replace')
        capture.close()
        rest = filter_startup_output(text, min_level)
        data = rest.encode('utf-8')
        while data:
            data = data[os.write(2, data):]
