"""Run an unchanged MXNet 1.x script on tfmod: every ``import mxnet`` / ``from mxnet.X import``
in it (and in the modules it imports) gets tfmod's module of the same name, so the script needs
no edit at all. The script runs as ``__main__`` in its own directory, as users start it.

    python tools/run_mxnet_example.py path/to/train_mnist.py --network lenet --num-epochs 1

``--numpy-compat`` also restores what NumPy 1.24/2.x removed and old scripts still call
(``np.int``/``np.float``/``np.bool``/``np.object``, ``np.fromstring`` on bytes) -- a NumPy
matter, not an MXNet one; MXNet 1.9.1 itself needs numpy < 1.24."""
import importlib
import importlib.abc
import importlib.util
import os
import runpy
import sys


class _MXNetAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``mxnet`` and ``mxnet.*`` as the tfmod module of the same dotted name (one module
    object under both names, so classes such as Context stay one class)."""

    def find_spec(self, name, path=None, target=None):
        if name == 'mxnet' or name.startswith('mxnet.'):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        ours = 'tfmod' + spec.name[len('mxnet'):]
        try:
            return importlib.import_module(ours)
        except ModuleNotFoundError as e:
            if e.name != ours:
                raise
            raise ModuleNotFoundError('the script imports %s, which tfmod does not provide '
                                      '(no %s)' % (spec.name, ours), name=spec.name) from None

    def exec_module(self, module):
        pass


def _numpy_compat():
    import numpy as np
    for name, typ in (('int', int), ('float', float), ('bool', bool), ('object', object)):
        if name not in np.__dict__:
            setattr(np, name, typ)
    fromstring = np.fromstring

    def fromstring_bytes(string, dtype=float, count=-1, sep=''):
        if sep == '' and isinstance(string, (bytes, bytearray, memoryview)):
            return np.frombuffer(string, dtype, count).copy()
        return fromstring(string, dtype, count, sep=sep)
    np.fromstring = fromstring_bytes


def main(argv):
    if argv and argv[0] == '--numpy-compat':
        _numpy_compat()
        argv = argv[1:]
    if not argv:
        sys.exit(__doc__)
    script = os.path.abspath(argv[0])
    if not os.path.isfile(script):
        sys.exit('run_mxnet_example.py: no script %s' % script)
    sys.meta_path.insert(0, _MXNetAlias())
    os.chdir(os.path.dirname(script))
    sys.path.insert(0, os.path.dirname(script))
    sys.argv = [script] + argv[1:]
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main(sys.argv[1:])
