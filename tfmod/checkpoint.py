"""Checkpoints: ``prefix-symbol.json`` and ``prefix-%04d.params``, and a ``.params`` saved
together with its optimizer ``.states``.

``.params`` files are MXNet's NDArray list format with ``arg:``/``aux:`` keys, byte-compatible
both ways. A checkpoint's ``.states`` is written before its ``.params`` and records their
SHA-256, so an interrupted or partial save leaves a pair that is refused at load rather than
silently resumed.
"""
import hashlib
import logging
import os
import re

from .base import MXNetError
from .fileio import atomic_write, read_bytes, remove_stale_temps
from .ndarray import ndfile, saveload
from .symbol import load as sym_load
from .states_file import add_params_digest, states_params_digest


def save_params_file(fname, arg_params, aux_params):
    """Write ``arg:``/``aux:`` params in the given (MXNet: list_arguments, then aux) order."""
    save_dict = {('arg:%s' % k): v for k, v in arg_params.items()}
    save_dict.update({('aux:%s' % k): v for k, v in aux_params.items()})
    saveload.save(fname, save_dict)


def load_params(prefix, epoch):
    """(arg_params, aux_params) from ``prefix-%04d.params``."""
    fname = '%s-%04d.params' % (prefix, epoch)
    return split_params(saveload.load(fname), fname)


def split_params(save_dict, fname):
    """(arg_params, aux_params) from a loaded ``{'arg:<name>' | 'aux:<name>': array}`` dict."""
    if not isinstance(save_dict, dict):
        raise MXNetError('%s holds an unnamed array list, not arg:/aux: parameters' % fname)
    arg_params, aux_params = {}, {}
    for k, v in save_dict.items():
        tp, _, name = k.partition(':')
        if tp == 'arg':
            arg_params[name] = v
        elif tp == 'aux':
            aux_params[name] = v
        else:
            raise MXNetError('%s: key %r is neither arg:<name> nor aux:<name>' % (fname, k))
    return arg_params, aux_params


def params_bytes(arg_params, aux_params):
    """The bytes ``save_params_file`` writes."""
    names = ['arg:%s' % k for k in arg_params] + ['aux:%s' % k for k in aux_params]
    arrays = [v._file_value() for v in arg_params.values()] + \
        [v._file_value() for v in aux_params.values()]   # sparse arrays stay sparse
    return ndfile.dumps(arrays, names)


def save_params_and_states(param_name, arg_params, aux_params, state_name=None,
                           states_bytes=None):
    """Write a checkpoint's ``.params`` and (optionally) ``.states`` as one unit.

    The states go first, recording the SHA-256 of the params bytes they belong to; the params
    go last. Each file is replaced atomically, so a crash leaves the previous pair, or new
    states beside old params -- a pair ``check_states_pair`` refuses -- never a half file.
    """
    pbytes = params_bytes(arg_params, aux_params)
    m = re.match(r'(.*-)\d{4,}\.params$', os.path.basename(param_name))
    if m:   # temporaries of any earlier killed save of this checkpoint prefix (only its own:
        # 'model-1-0003.params', another worker's prefix, is not 'model-' + digits)
        own = re.compile(re.escape(m.group(1)) + r'\d{4,}\.(params|states)$')
        remove_stale_temps(os.path.dirname(os.path.abspath(param_name)),
                           lambda target: own.match(target) is not None)
    if state_name is not None:
        atomic_write(state_name, add_params_digest(states_bytes, pbytes, state_name))
    atomic_write(param_name, pbytes)

def check_states_pair(state_name, param_name=None):
    """Refuse a ``.states`` that records a different ``.params`` than the one beside it.

    ``param_name`` defaults to the ``prefix-NNNN.params`` sibling of ``prefix-NNNN.states``; when
    that file is absent, or the states record no digest (MXNet's, older tfmod's), nothing is
    checked."""
    if param_name is None:
        m = re.match(r'(.*-\d{4,})\.states$', os.fspath(state_name))
        if not m:
            return
        param_name = m.group(1) + '.params'
    if not os.path.exists(param_name):
        return
    want = states_params_digest(read_bytes(state_name, 'optimizer states file'), state_name)
    if want is None:
        return
    if hashlib.sha256(read_bytes(param_name, 'params file')).digest() != want:
        raise MXNetError('%s belongs to a different %s than the one beside it (the pair was not '
                         'saved together, e.g. a save was interrupted); refusing to resume '
                         'with mismatched optimizer states' % (state_name, param_name))


def save_checkpoint(prefix, epoch, symbol, arg_params, aux_params, remove_amp_cast=True):
    """``prefix-symbol.json`` and ``prefix-%04d.params`` (each written atomically)."""
    if symbol is not None:
        symbol.save('%s-symbol.json' % prefix, remove_amp_cast=remove_amp_cast)
    param_name = '%s-%04d.params' % (prefix, epoch)
    save_params_file(param_name, arg_params, aux_params)
    logging.info('Saved checkpoint to "%s"', param_name)


def load_checkpoint(prefix, epoch):
    """(symbol, arg_params, aux_params) of an MXNet or tfmod checkpoint."""
    symbol = sym_load('%s-symbol.json' % prefix)
    arg_params, aux_params = load_params(prefix, epoch)
    return symbol, arg_params, aux_params
