"""The one error class every tfmod layer raises, defined here at the bottom of the stack.

MXNet's own ``MXNetError`` derives from RuntimeError; tfmod's also derives from ValueError so that
code catching either (bad shapes, bad attribute values) keeps working.
"""


class MXNetError(RuntimeError, ValueError):
    """Error raised by tfmod for bad input; re-exported as ``tfmod.base.MXNetError``."""


def check(cond, msg, *args):
    """Raise MXNetError(msg % args) unless cond."""
    if not cond:
        raise MXNetError(msg % args if args else msg)


def tf_message(exc):
    """The first line of a TF error's message without TF's internal decorations
    (``{{function_node ...}}`` prefixes, ``[Op:MatMul] name:`` suffixes)."""
    import re
    msg = str(exc).strip().split('\n')[0]
    msg = re.sub(r'\{\{function_node [^}]*\}\}\s*', '', msg)
    msg = re.sub(r'\s*\[Op:[^\]]*\].*$', '', msg)
    return msg.strip()
