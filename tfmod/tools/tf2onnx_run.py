"""Runs ``tf2onnx.convert``'s command line (same arguments) with two memory fixes, as a script
(``python tf2onnx_run.py ...``: it imports tf2onnx and TF, never tfmod).

tf2onnx 1.17 deep-copies a while loop's condition graph when it inlines it, and a subgraph
holds its parent graph: every copy drags along the whole model, weights included (a detection
graph with NMS loops and 114 MB of weights grew past 20 GB). The copy here leaves the parent
graphs shared, as the original graph's own subgraphs share them; only the subgraph's own nodes
are copied, which is what the copy is for (the original cond graph stays untouched).
The other fix, TF2ONNX_CATCH_ERRORS, is set by the caller (tfmod.export.to_onnx).
"""
import copy
import sys


class _SubgraphCopy:
    """Stands in for the ``copy`` module inside tf2onnx's control-flow handlers."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(obj, memo=None):
        memo = {} if memo is None else memo
        parent = getattr(obj, 'parent_graph', None)
        while parent is not None:
            memo[id(parent)] = parent
            parent = getattr(parent, 'parent_graph', None)
        return copy.deepcopy(obj, memo)


def _fresh_proto_update(update_proto):
    """Node.update_proto rewrites a node's NodeProto attributes in place, after every one of
    the dozen optimizers; with protobuf's arena (upb) the replaced attributes -- a Const node's
    whole tensor -- stay allocated as long as the NodeProto lives, so memory grows by the
    model's weights at every pass. Writing into a new NodeProto lets the old one go."""
    def update(self, external_tensor_storage=None):
        from onnx import NodeProto
        old = self._op
        if external_tensor_storage is None and self.type == 'Const':
            # a Const whose value attribute is the very object written last time (tf2onnx
            # replaces it, never edits it, when it changes a constant) needs no rewrite:
            # rewriting copies the tensor, seconds per pass for a model's weights
            value = self._attr.get('value')
            last = getattr(self, '_tfmod_written', None)
            if last is not None and last[0] is value and last[1] == list(self.output) and \
                    list(old.output) == last[1] and not list(old.input):
                return None
            self._tfmod_written = (value, list(self.output))
        fresh = NodeProto(name=old.name, op_type=old.op_type, domain=old.domain,
                          doc_string=old.doc_string)
        fresh.input.extend(old.input)
        fresh.output.extend(old.output)
        if old.ListFields() and any(f.name == 'overload' for f, _ in old.ListFields()):
            fresh.overload = old.overload
        self._op = fresh
        return update_proto(self, external_tensor_storage)
    return update


def patch():
    """Apply both fixes to the imported tf2onnx."""
    from tf2onnx import graph
    from tf2onnx.onnx_opset import controlflow
    if getattr(controlflow, 'copy', None) is copy:
        controlflow.copy = _SubgraphCopy
    if not getattr(graph.Node.update_proto, '_tfmod', False):
        graph.Node.update_proto = _fresh_proto_update(graph.Node.update_proto)
        graph.Node.update_proto._tfmod = True


def main(argv):
    from tf2onnx import convert
    patch()
    sys.argv = ['tf2onnx.convert'] + list(argv)
    convert.main()


if __name__ == '__main__':
    main(sys.argv[1:])
