"""Comparing a program's JSON-able result with the one MXNet 1.9.1 recorded."""
import numpy as np


def same(got, want, path, rtol, atol):
    """``got`` equals MXNet's ``want``: floats (and lists of floats) to ``rtol``/``atol``, the
    rest -- keys, lengths, strings, ints -- exactly; ``path`` names the place in messages."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), (path, got, want)
        for k in want:
            same(got[k], want[k], '%s.%s' % (path, k), rtol, atol)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (path, got, want)
        if want and all(isinstance(w, float) for w in want):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=path)
            return
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, '%s[%d]' % (path, i), rtol, atol)
    elif isinstance(want, float):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=path)
    else:
        assert got == want, (path, got, want)
