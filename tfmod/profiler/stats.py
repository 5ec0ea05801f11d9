"""mx.profiler.dumps(): the aggregate statistics, as the table or JSON text MXNet 1.9.1 prints.

Per category (sorted by name) one row per record name: the count, then total/min/max/average
time in ms. Counters, as in MXNet, fill the time columns with their values / 1000 (total: the
last value); their average here is the mean of the values.
"""
from .errors import ProfilerAssertionError

_UNITS = '    "Unit": {\n        "Time": "ms",\n        "Memory": "kB"\n    }\n'
_SORT_KEYS = ('total', 'avg', 'min', 'max', 'count')
_COLUMNS = ('Total Count', 'Time (ms)', 'Min Time (ms)', 'Max Time (ms)', 'Avg Time (ms)')


def _row(kind, values):
    """(count, total, min, max, avg) in ms for one name's recorded durations (µs) or values."""
    n = len(values)
    if kind == 'counter':
        return n, values[-1] / 1000.0, min(values) / 1000.0, max(values) / 1000.0, \
            sum(values) / n / 1000.0
    total = sum(values) / 1000.0
    return n, total, min(values) / 1000.0, max(values) / 1000.0, total / n


def _sorted_rows(names, sort_by, ascending):
    key = {'total': 1, 'avg': 4, 'min': 2, 'max': 3, 'count': 0}[sort_by]
    rows = [(name,) + _row(kind, values) for name, (kind, values) in names.items()]
    return sorted(rows, key=lambda r: r[1 + key], reverse=not ascending)


def table(stats, sort_by='total', ascending=False):
    out = ['\nProfile Statistics:\n\tNote the difference in units for different entries.\n']
    for category in sorted(stats):
        out.append(category + '\n=================\n')
        out.append('Name'.ljust(25) + _COLUMNS[0].rjust(16) +
                   ''.join(c.rjust(17) for c in _COLUMNS[1:]) + '\n')
        out.append('----'.ljust(25) + ('-' * len(_COLUMNS[0])).rjust(16) +
                   ''.join(('-' * len(c)).rjust(17) for c in _COLUMNS[1:]) + '\n')
        for name, count, *times in _sorted_rows(stats[category], sort_by, ascending):
            out.append(name.ljust(25) + str(count).rjust(16) +
                       ''.join(('%.4f' % t).rjust(17) for t in times) + '\n')
        out.append('\n')
    return ''.join(out)


def _num(x):
    return '%.4g' % x


def as_json(stats, sort_by='total', ascending=False):
    """MXNet's hand-written JSON layout (separators on their own lines), byte for byte."""
    cats = []
    for category in sorted(stats):
        entries = []
        for name, count, total, lo, hi, avg in _sorted_rows(stats[category], sort_by, ascending):
            entries.append('            "%s": {\n                "Count": %d,\n'
                           '                "Total": %s,\n                "Min": %s,\n'
                           '                "Max": %s,\n                "Avg": %s\n'
                           '            }\n' % (name, count, _num(total), _num(lo), _num(hi),
                                                _num(avg)))
        cats.append('        "%s": {\n%s        }\n' % (category,
                                                       '            ,\n'.join(entries)))
    return ('{\n    "Time": {\n' + '        ,\n'.join(cats) + '    }\n    ,\n'
            '    "Memory": {\n    }\n,\n' + _UNITS + '}\n')


def check_args(reset, format, sort_by, ascending):  # noqa: A002 -- MXNet's argument name
    """MXNet asserts on these arguments; the error is an AssertionError and an MXNetError."""
    if format not in ('table', 'json'):
        raise ProfilerAssertionError("Invalid value provided for format: {0}. Support: 'table', "
                                     "'json'".format(format))
    if sort_by not in _SORT_KEYS:
        raise ProfilerAssertionError("Invalid value provided for sort_by: {0}. Support: 'total',"
                                     " 'avg', 'min', 'max', 'count'".format(sort_by))
    if ascending not in (False, True):
        raise ProfilerAssertionError('Invalid value provided for ascending: {0}. Support: False,'
                                     ' True'.format(ascending))
    if reset not in (False, True):
        raise ProfilerAssertionError('Invalid value provided for reset: {0}. Support: False, '
                                     'True'.format(reset))
