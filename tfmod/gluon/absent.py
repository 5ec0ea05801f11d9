"""The Gluon names tfmod does not provide, refused by name.

tfmod runs Symbol/Module programs; of Gluon it has ``SymbolBlock`` (with ``Parameter`` and
``ParameterDict``), ``Trainer`` and the ``loss``/``data``/``utils`` modules: what running and
fine-tuning an exported model takes. A name a tfmod module defines is found before its
``__getattr__`` asks here. Every other name MXNet 1.9.1's gluon namespaces hold
(``mxnet_names.py``, recorded from MXNet) raises an ``MXNetError`` saying so --
on attribute access (``nn.Dense``), on ``from mxnet.gluon.nn import Dense``, and on importing a
gluon module tfmod lacks (``import mxnet.gluon.data.vision``), which :class:`Finder` answers
with a module whose every MXNet name raises the same way. The error is not an AttributeError:
``from ... import`` would turn one into a bare "cannot import name".
"""
import importlib.abc
import importlib.util
import sys
import types

from ..base import MXNetError
from .mxnet_names import NAMES

_PKG = 'tfmod.gluon'


def _path(module_name):
    """'tfmod.gluon.nn' -> 'gluon.nn' (the key of NAMES)."""
    return module_name[len('tfmod.'):]


def error(path):
    return MXNetError(
        'mx.%s is not provided by tfmod: of Gluon, tfmod provides what runs and fine-tunes '
        'exported models (mx.gluon.nn.SymbolBlock / mx.gluon.SymbolBlock, Parameter, '
        'ParameterDict, Trainer, and gluon.loss, gluon.data, gluon.utils); Gluon\'s layers and '
        'the rest of its API beyond those are not provided. Export the model from MXNet '
        '(net.export) and load it with SymbolBlock.imports, or write the network with mx.sym '
        'and train it with mx.mod.Module' % path)


def name_getattr(module_name, attr):
    """Module ``__getattr__`` body of a tfmod.gluon module: MXNet's names that tfmod lacks raise
    MXNetError naming them, sub-namespaces import (as modules refusing their names), anything
    else is a plain AttributeError."""
    path = _path(module_name)
    if attr in NAMES.get(path, ()):
        sub = path + '.' + attr
        if sub in NAMES:
            return importlib.import_module('tfmod.' + sub)
        raise error(sub)
    raise AttributeError('module %r has no attribute %r' % (module_name, attr))


class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports MXNet's gluon modules that tfmod has no file for as modules refusing every
    name (last on sys.meta_path: tfmod's own modules are found first)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(_PKG + '.') and _path(fullname) in NAMES:
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        mod = types.ModuleType(spec.name, 'MXNet 1.9.1\'s mx.%s, which tfmod does not provide.'
                               % _path(spec.name))
        mod.__path__ = []
        mod.__tfmod_refused__ = True      # tools/namespace_survey.py counts it absent
        mod.__getattr__ = lambda attr: name_getattr(spec.name, attr)
        return mod

    def exec_module(self, module):
        pass


def install():
    if not any(isinstance(f, Finder) for f in sys.meta_path):
        sys.meta_path.append(Finder())
