"""mx.viz against MXNet 1.9.1 (tests/fixtures/visualization, recorded by
tools/record_visualization.py): print_summary's exact text, and the Digraph calls and DOT source
of plot_network, for an MLP, a conv net with BatchNorm, a Gluon HybridBlock export and an
Embedding/split net."""
import contextlib
import io
import json
import os
import sys
import types

import numpy as np
import pytest

import tfmod as mx

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'visualization')
with open(os.path.join(FIX, 'cases.json')) as _f:
    CASES = json.load(_f)


def _net(name):
    return mx.sym.load(os.path.join(FIX, name + '-symbol.json'))


def _kwargs(kw):
    kw = dict(kw)
    if 'shape' in kw:
        kw['shape'] = {k: tuple(v) for k, v in kw['shape'].items()}
    if 'dtype' in kw:
        kw['dtype'] = {k: np.dtype(v).type for k, v in kw['dtype'].items()}
    return kw


def _case_id(case):
    return case['net'] + '-' + '-'.join(sorted(case['kwargs'])) or 'plain'


@pytest.mark.parametrize('case', CASES['summary'], ids=_case_id)
def test_print_summary_text_is_mxnets(case):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert mx.viz.print_summary(_net(case['net']), **_kwargs(case['kwargs'])) is None
    assert buf.getvalue() == case['text']


def test_viz_aliases_and_type_errors(monkeypatch):
    _fake_graphviz(monkeypatch, _RecordingDigraph)
    assert mx.viz is mx.visualization
    with pytest.raises(TypeError, match='Symbol'):
        mx.viz.print_summary('not a symbol')
    with pytest.raises(TypeError, match='Symbol'):
        mx.viz.plot_network(42)


class _RecordingDigraph:
    """Stands in for graphviz.Digraph: records the calls, as the recording script did."""
    def __init__(self, *args, **kwargs):
        self.calls = [['Digraph', list(args), kwargs]]

    def node(self, *args, **kwargs):
        self.calls.append(['node', list(args), kwargs])

    def edge(self, *args, **kwargs):
        self.calls.append(['edge', list(args), kwargs])


def _fake_graphviz(monkeypatch, digraph):
    module = types.ModuleType('graphviz')
    module.Digraph = digraph
    monkeypatch.setitem(sys.modules, 'graphviz', module)


@pytest.mark.parametrize('case', CASES['plot'], ids=_case_id)
def test_plot_network_draws_mxnets_nodes_and_edges(case, monkeypatch):
    _fake_graphviz(monkeypatch, _RecordingDigraph)
    dot = mx.viz.plot_network(_net(case['net']), **_kwargs(case['kwargs']))
    assert dot.calls == case['calls']


def test_plot_network_dot_source_with_real_graphviz():
    import graphviz      # in the test extra
    for case in CASES['plot']:
        dot = mx.viz.plot_network(_net(case['net']), **_kwargs(case['kwargs']))
        assert isinstance(dot, graphviz.Digraph)
        # MXNet's calls replayed through the installed graphviz give the same DOT text
        (_, args, kwargs), rest = case['calls'][0], case['calls'][1:]
        want = graphviz.Digraph(*args, **kwargs)
        for method, args, kwargs in rest:
            getattr(want, method)(*args, **kwargs)
        assert dot.source == want.source
        if graphviz.__version__ == CASES['graphviz_version']:
            assert dot.source == case['source']


def test_plot_network_without_graphviz_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, 'graphviz', None)   # import graphviz -> ImportError
    with pytest.raises(mx.base.MXNetError, match='pip install graphviz') as err:
        mx.viz.plot_network(_net('mlp'))
    assert isinstance(err.value, ImportError)   # what MXNet raises


def test_plot_network_warns_on_repeated_names(monkeypatch):
    _fake_graphviz(monkeypatch, _RecordingDigraph)
    a = mx.sym.Variable('x')
    b = mx.sym.FullyConnected(a, num_hidden=2, name='x')
    with pytest.warns(RuntimeWarning, match='Repeated names: x'):
        mx.viz.plot_network(b)
