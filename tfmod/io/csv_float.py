"""CSV text to float32 the way MXNet 1.9.1's CSVIter reads it (dmlc-core's fast ``strtof``),
not correctly rounded: the integer part becomes a float32, the fraction (its first 19 digits)
is a float64 quotient rounded to float32 and added in float32, and an exponent divides or
multiplies by a float32 power of ten built from 1e8 and 10 factors. So ``np.savetxt``'s
``7.319939418114050572e-01`` reads as 0.731994 (float32 0x3f3b6291), as in MXNet, where a
correctly rounded parse gives 0.7319939.

``parse_floats(fields)`` returns None when a field is not such a number (the caller reports
it)."""
import re

import numpy as np

_NUMBER = re.compile(r'\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?)(\d*))?[fF]?\s*$')
_SPECIAL = re.compile(r'\s*([+-]?)(inf|infinity|nan(?:\([0-9A-Za-z_]*\))?)\s*$', re.I)
_MAX_FRACTION_DIGITS = 19
_MAX_EXPONENT = 38


def _scale(exponent):
    """dmlc's float32 power of ten: 1e8 factors first, then 10 factors."""
    scale = np.float32(1)
    while exponent >= 8:
        scale = np.float32(scale * np.float32(1e8))
        exponent -= 8
    while exponent > 0:
        scale = np.float32(scale * np.float32(10))
        exponent -= 1
    return scale


def parse_floats(fields):
    """float32 array of the fields as MXNet's CSVIter reads them, or None if one is not a
    number."""
    n = len(fields)
    whole = np.zeros(n, np.uint64)
    numerator = np.zeros(n, np.float64)
    denominator = np.ones(n, np.float64)
    exponent = np.zeros(n, np.int64)
    negative = np.zeros(n, bool)
    special = {}
    for i, field in enumerate(fields):
        m = _NUMBER.match(field)
        if m is None or not (m.group(2) or m.group(3)):
            s = _SPECIAL.match(field)
            if s is None:
                return None
            if s.group(2).lower().startswith('nan'):
                special[i] = np.float32('nan')   # MXNet reads '-nan' as a positive NaN too
            else:
                special[i] = np.float32('-inf' if s.group(1) == '-' else 'inf')
            continue
        sign, int_digits, frac_digits, exp_sign, exp_digits = m.groups()
        negative[i] = sign == '-'
        if int_digits:
            whole[i] = int(int_digits) % (1 << 64)
        if frac_digits:
            kept = frac_digits[:_MAX_FRACTION_DIGITS]
            numerator[i] = float(int(kept))
            denominator[i] = float(10 ** len(kept))
        if exp_digits:
            e = min(int(exp_digits), _MAX_EXPONENT)
            exponent[i] = -e if exp_sign == '-' else e
    value = whole.astype(np.float32) + (numerator / denominator).astype(np.float32)
    with np.errstate(over='ignore'):    # out of float32's range: inf, as in MXNet
        for e in np.unique(exponent[exponent != 0]):
            rows = exponent == e
            scale = _scale(abs(int(e)))
            value[rows] = value[rows] / scale if e < 0 else value[rows] * scale
    value = np.where(negative, -value, value).astype(np.float32)
    for i, v in special.items():
        value[i] = v
    return value
