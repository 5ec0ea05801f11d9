"""MXNet names -> names TensorFlow accepts in a SavedModel, and the map written beside it.

MXNet names are free-form (Gluon writes `_resunit10_seq-10-linear-batchnorm_running_var`,
`enc.a:weight`, inputs `_data` or `input:0`). TensorFlow names a variable, and a signature
input (its placeholder), by an op name: `^[A-Za-z0-9.][A-Za-z0-9_.\\-/>]*$`. Signature *output*
keys are free strings. So a name TF accepts is kept as it is; any other becomes its TF form --
each character TF refuses replaced by `_`, and `x` put in front of a name starting with `_`
(or another character TF refuses first): `_data` -> `x_data`, `input:0` -> `input_0`. A TF
form that another name already holds gets `_1`, `_2`, ... (names TF accepts as they are keep
their form first; the others follow in the order given), so the map is deterministic and
one-to-one.
"""
import re

__all__ = ['tf_name', 'is_tf_name', 'unique_tf_names', 'NAME_MAP_FILE']

# The asset (under the SavedModel's assets/) holding the map, as JSON.
NAME_MAP_FILE = 'tfmod_names.json'

_OK = re.compile(r'[A-Za-z0-9.][A-Za-z0-9_.\-/>]*\Z')
_BAD_CHAR = re.compile(r'[^A-Za-z0-9_.\-/>]')


def is_tf_name(name):
    """Whether TF accepts ``name`` as a variable / signature input name as it is."""
    return bool(_OK.match(name))


def tf_name(name):
    """The TF form of one name (not made unique): see the module docstring."""
    if is_tf_name(name):
        return name
    s = _BAD_CHAR.sub('_', name)
    if not s or not re.match(r'[A-Za-z0-9.]', s[0]):
        s = 'x' + s
    return s


def unique_tf_names(names, taken=()):
    """{name: TF name} for ``names``, one-to-one, avoiding the TF names in ``taken``."""
    names = list(dict.fromkeys(names))
    used = set(taken)
    out = {}
    for n in names:
        if is_tf_name(n) and n not in used:
            out[n] = n
            used.add(n)
    for n in names:
        if n in out:
            continue
        base = tf_name(n)
        cand, k = base, 0
        while cand in used:
            k += 1
            cand = '%s_%d' % (base, k)
        out[n] = cand
        used.add(cand)
    return {n: out[n] for n in names}
