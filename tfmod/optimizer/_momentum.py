"""State handling shared by the momentum optimizers SGD, NAG and LARS.

Their state is one momentum buffer, present only when ``momentum != 0``; with multi_precision a
float16 weight keeps ``(momentum, float32 master copy)`` -- master last, unlike MXNet's default.
"""
import numpy as np

from ._kernels import zeros_state


class MomentumState:
    """Mixin placed before Optimizer in the bases of SGD, NAG and LARS."""

    _mp_master_last = True

    def create_state(self, index, weight):
        if self.momentum != 0.0:
            return zeros_state(weight, weight.dtype, self._state_stype(weight))
        return None

    def create_state_multi_precision(self, index, weight):
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            return (self.create_state(index, master), master)
        return super().create_state_multi_precision(index, weight)

    def _tf_structure(self):
        # the compiled step's shape follows whether a momentum buffer exists
        return super()._tf_structure() + (self.momentum != 0.0,)

    def update_multi_precision(self, index, weight, grad, state):
        if isinstance(index, (list, tuple)):
            self._update_index_list(index, weight, grad, state)
            return
        if self.multi_precision and weight.dtype == np.float16 and \
                isinstance(state, (tuple, list)):
            mom, master = state
            self.update(index, master, grad.astype(np.float32), mom)
            weight[:] = master.astype(np.float16)
        else:
            self.update(index, weight, grad, state)
