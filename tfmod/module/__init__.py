"""``mx.mod``: BaseModule, Module and the module families."""
from .base_module import BaseModule  # noqa: F401
from .module import Module  # noqa: F401
