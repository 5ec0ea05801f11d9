"""How ``init_params`` fills one parameter: MXNet's Module rules, shared by Module and
BucketingModule (MXNet's BucketingModule hands its call to a Module, so the two cannot differ).

A value in the given dict wins (its shape must match); a name missing from a given dict needs
``allow_missing`` and then goes to the initializer; with no dict given the initializer decides,
and an explicit ``initializer=None`` then fails with MXNet's TypeError (MXNet calls None).
"""
from ..base import MXNetError


def _shape(shape):
    return tuple(int(s) for s in shape)


def init_param(desc, arr, given, initializer, allow_missing, kind):
    """Fill ``arr`` (the module's host array for ``desc``, an InitDesc) by the rules above;
    ``given`` is the user's arg_params/aux_params dict or None, ``kind`` its argument name."""
    name = str(desc)
    if given is not None:
        if name in given:
            src = given[name]
            if src is not arr:
                if _shape(src.shape) != _shape(arr.shape):
                    raise MXNetError('init_params: %r has shape %s in the given params but %s '
                                     'in the module' % (name, _shape(src.shape),
                                                        _shape(arr.shape)))
                arr[:] = src
            return
        if not allow_missing:
            raise MXNetError('%s is not presented' % name)
        if initializer is not None:
            initializer(desc, arr)
        return
    if initializer is None:
        raise TypeError('init_params: no value for %r: initializer is None and no %s were given'
                        % (name, kind))
    initializer(desc, arr)
