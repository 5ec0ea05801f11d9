"""Helpers the tests share and the MXNet recorders in tools/ run too: programs and cases run on
both MXNet and tfmod, the op-case corpus reader, nets, log capture, and the scripts some tests
start in a subprocess. Imported as ``support.<module>`` with tests/ on sys.path (pytest puts it
there; the recorders insert it).
"""
import os

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(TESTS, 'fixtures')
