"""The file mx.profiler.dump() writes: a chrome-trace JSON document, as MXNet writes it.

``{"traceEvents": [...], "displayTimeUnit": "ms"}``: first a ``process_name`` metadata record
(``ph: "M"``) for each trace process (MXNet's four device processes, then one per record
category), then the records themselves (ph/ts/pid/tid/name/cat, ts in microseconds).
chrome://tracing, Perfetto (ui.perfetto.dev) and TensorBoard's trace viewer open it.
"""
import json

from ..fileio import atomic_write


def document(records, pids):
    """The trace document for ``records``; ``pids`` maps process names to their pid."""
    used = {r['pid'] for r in records}
    meta = [{'ph': 'M', 'args': {'name': name}, 'pid': pid, 'name': 'process_name'}
            for name, pid in sorted(pids.items(), key=lambda kv: kv[1])
            if pid < 4 or pid in used]
    return {'traceEvents': meta + list(records), 'displayTimeUnit': 'ms'}


def write(path, records, pids):
    """Write the trace file atomically (a crash never leaves half a file)."""
    text = json.dumps(document(records, pids), indent=4)
    atomic_write(path, (text + '\n').encode('utf-8'))
