"""Which copy of the op registry tfmod imports as ``tfmod_converters``.

The repository folder ``converters/`` is installed under the distinctive name
``tfmod_converters`` (setup.py). An editable install maps that name to the folder it was
installed from; a tfmod run from another source tree (a second checkout or a git worktree using
the same environment) must still get the ``converters/`` beside it, or it would silently pair
its own tfmod with another tree's registry. So when this tfmod sits in a source tree, that
tree's folder is bound to the name before anything imports it; installed copies are untouched.
"""
import importlib.util
import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_FOLDER = os.path.join(_ROOT, 'converters')


def bind():
    """Bind ``tfmod_converters`` to this source tree's ``converters/``, if tfmod runs from one
    and the name is not bound yet."""
    if 'tfmod_converters' in sys.modules:
        return
    if not (os.path.isfile(os.path.join(_ROOT, 'setup.py'))
            and os.path.isfile(os.path.join(_FOLDER, 'registry.py'))):
        return      # an installed tfmod: the installed tfmod_converters is its own
    spec = importlib.util.spec_from_file_location(
        'tfmod_converters', os.path.join(_FOLDER, '__init__.py'),
        submodule_search_locations=[_FOLDER])
    module = importlib.util.module_from_spec(spec)
    sys.modules['tfmod_converters'] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules['tfmod_converters']
        raise


bind()
