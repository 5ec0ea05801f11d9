"""set_config's parameters: MXNet 1.9.1's ProfileConfigParam table, parsed as MXNet parses it.

MXNet hands every value to its C++ parameter parser as ``str(value)``; the same spellings are
accepted here ("1", "True", "false", ...) and the same messages name a bad argument or value.
"""
from ..base import MXNetError

# name: (kind, default, MXNet's description) -- in MXNet's order, which its error lists.
PARAMS = {
    'profile_all': ('boolean', False, 'Profile all. Default is False.'),
    'profile_symbolic': ('boolean', True, 'Profile symbolic operators.  Default is True.'),
    'profile_imperative': ('boolean', True, 'Profile imperative operators.  Default is True.'),
    'profile_memory': ('boolean', True, 'Profile memory.  Default is True.'),
    'profile_api': ('boolean', True, 'Profile C API.  Default is True.'),
    'filename': ('string', 'profile.json', 'File name to write profiling info.'),
    'continuous_dump': ('boolean', True, 'Periodically dump (and append) profiling data to '
                        'file while running. Default is True.'),
    'dump_period': ('float', 1.0, 'When continuous dump is enabled, the period between '
                    'subsequent profile info dumping.'),
    'aggregate_stats': ('boolean', False, 'Maintain aggregate stats, required for '
                        'MXDumpAggregateStats.  Note that this can have a negative performance '
                        'impact. Default is False.'),
    'profile_process': ('choice', 'worker', 'Specifies which process to profile: worker: this '
                        'is default. for single node training it should always be worker.server:'
                        ' for distributed training, this profiles server process'),
}
PROCESSES = ('server', 'worker')
_TRUE = ('1', 'true')
_FALSE = ('0', 'false')


def _describe():
    lines = []
    for name, (kind, default, doc) in PARAMS.items():
        if kind == 'boolean':
            head = '%s : boolean, optional, default=%d' % (name, default)
        elif kind == 'float':
            head = '%s : float, optional, default=%g' % (name, default)
        elif kind == 'string':
            head = "%s : string, optional, default='%s'" % (name, default)
        else:
            head = "%s : {%s},optional, default='%s'" % (
                name, ', '.join("'%s'" % p for p in PROCESSES), default)
        lines += [head, '    ' + doc]
    return '\n'.join(lines)


def check_process(value):
    """A profile_process value: 'worker' or 'server', as MXNet's enum parser checks it."""
    if str(value) not in PROCESSES:
        raise MXNetError("Invalid Input: '%s', valid values are: {%s}"
                         % (value, ', '.join("'%s'" % p for p in PROCESSES)))
    return str(value)


def parse(name, value):
    """The typed value of one set_config argument, or MXNetError as MXNet words it."""
    if name not in PARAMS:
        raise MXNetError("Cannot find argument '%s', Possible Arguments:\n----------------\n%s"
                         % (name, _describe()))
    kind = PARAMS[name][0]
    text = str(value)
    if kind == 'boolean':
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise MXNetError("Invalid Parameter format for %s expect boolean but value='%s'"
                         % (name, text))
    if kind == 'float':
        try:
            return float(text)
        except ValueError:
            raise MXNetError("Invalid Parameter format for %s expect float but value='%s'"
                             % (name, text)) from None
    if kind == 'choice':
        return check_process(text)
    return text


def defaults():
    return {name: spec[1] for name, spec in PARAMS.items()}
