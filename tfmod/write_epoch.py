"""A process-wide count of writes to variable-backed arrays (parameters, aux states).

Values derived from weights and cached across calls -- the channels-last convolution kernels of
the inference path (executor.py) -- are valid while this count has not moved. It moves on every
NDArray write to a variable (set_params, ``arr[:] = v``, optimizer updates through NDArrays) and
on every compiled call that may assign variables (training steps, fused updates: each reports
through ``profiler.recorder.span``, which bumps it unless the caller says it writes none).
"""
_COUNT = [0]


def bump():
    _COUNT[0] += 1


def current():
    return _COUNT[0]
