"""Run one of MXNet's own Python tutorials (docs/tutorials/**.md of an MXNet source tree) as a
notebook would: its ```python blocks in order, in one namespace, each block's printed lines and
the repr of its last expression recorded. ``import mxnet`` gives tfmod (the mapping of
tools/run_mxnet_example.py) unless ``--mxnet`` is given, which runs the real MXNet -- so the
same command under the oracle's python and under tfmod's shows where they differ:

    git -C MXNET_REPO show 1.5.0:docs/tutorials/basic/ndarray.md > ndarray.md
    /tmp/mxnet-oracle/bin/python tools/run_mxnet_tutorial.py --mxnet ndarray.md -o want.json
    python tools/run_mxnet_tutorial.py ndarray.md -o got.json
    python tools/run_mxnet_tutorial.py --compare want.json got.json

Downloads, GPUs and sizes a 2-core machine cannot afford are replaced by the edits
tools/tutorial_adaptations.py lists for the tutorial (found by its file name); IPython magics
are dropped and matplotlib is a stand-in that draws nothing. A block that raises is recorded
with its error and the next block still runs, so one run lists every break."""
import argparse
import ast
import contextlib
import io
import json
import logging
import os
import re
import sys
import tempfile
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def code_blocks(markdown):
    """The tutorial's ```python fenced blocks, in order, IPython magic lines left out."""
    blocks, current = [], None  # magics start at column 0
    for line in markdown.splitlines():
        if current is None:
            if re.match(r'^\s*```\s*python\s*$', line):
                current = []
        elif re.match(r'^\s*```\s*$', line):
            blocks.append('\n'.join(current) + '\n')
            current = None
        elif not re.match(r'^[%!]', line):
            current.append(line)
    return blocks


def _show(image, *args, **kwargs):
    """The stand-in's imshow: prints what a picture would show, its shape and mean value."""
    import numpy as np
    image = np.asarray(image.asnumpy() if hasattr(image, 'asnumpy') else image)
    print('[image %s %s mean %.1f]' % (image.shape, image.dtype, float(image.mean())))


def _stand_in_matplotlib():
    """A matplotlib that draws nothing; imshow prints a summary of the picture."""
    class _Any(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith('__'):
                raise AttributeError(name)
            if name == 'imshow':
                return _show
            if name in ('figure', 'subplot', 'add_subplot'):
                return lambda *a, **k: self
            return lambda *a, **k: None
    top, pyplot, image = (_Any('matplotlib'), _Any('matplotlib.pyplot'),
                          _Any('matplotlib.image'))
    top.__path__ = []
    top.pyplot, top.image = pyplot, image
    sys.modules.update({'matplotlib': top, 'matplotlib.pyplot': pyplot,
                        'matplotlib.image': image})


def _tidy(text):
    """Take out what changes from run to run: object addresses and timings."""
    text = re.sub(r' at 0x[0-9a-fA-F]+', ' at 0x?', text)
    text = re.sub(r'(Time cost|time cost)=[0-9.e+-]+', r'\1=?', text)
    text = re.sub(r'[0-9.]+ samples/sec', '? samples/sec', text)
    text = re.sub(r'[0-9.]+ sec\b', '? sec', text)
    text = re.sub(r'Time: [0-9.]+s\b', 'Time: ?s', text)
    return text


def run_block(source, namespace, out):
    """Run one block notebook-style: a last bare expression has its repr printed."""
    tree = ast.parse(source)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, '<tutorial block>', 'exec'), namespace)
    if last is not None:
        value = eval(compile(last, '<tutorial block>', 'eval'), namespace)
        if value is not None:
            # a graphviz plot (mx.viz.plot_network) shows as its dot source
            source = getattr(value, 'source', None)
            print(source.rstrip('\n') if isinstance(source, str) else repr(value), file=out)


FILES = os.path.join(HERE, '..', 'tests', 'fixtures', 'mxnet_tutorials')


def run_tutorial(markdown, name, workdir, files=FILES):
    """Blocks of ``markdown`` (adapted for ``name``) run in ``workdir``, the files that stand
    for its downloads taken from ``files``: a list of {'code', 'out', 'error'} per block."""
    from tutorial_adaptations import adapt
    prelude, blocks = adapt(name, code_blocks(markdown))
    _stand_in_matplotlib()
    namespace = {'__name__': '__main__', '_TUTORIAL_FILES': os.path.abspath(files)}
    exec(compile(prelude, '<tutorial prelude>', 'exec'), namespace)
    results = []
    root = logging.getLogger()
    old = os.getcwd()
    os.chdir(workdir)
    try:
        for source in blocks:
            out = io.StringIO()
            handler = logging.StreamHandler(out)
            handler.setFormatter(logging.Formatter('%(levelname)s:%(name)s:%(message)s'))
            # what graphviz logs differs between its versions, not between MXNet and tfmod
            handler.addFilter(lambda record: not record.name.startswith('graphviz'))
            root.addHandler(handler)
            error = None
            try:
                with contextlib.redirect_stdout(out):
                    run_block(source, namespace, out)
            except Exception as e:  # recorded: the next block still runs
                error = '%s: %s' % (type(e).__name__, str(e).strip().splitlines()[0]
                                    if str(e).strip() else '')
                out.write(''.join(traceback.format_exception_only(type(e), e))[-2000:])
            finally:
                root.removeHandler(handler)
            results.append({'code': source, 'out': _tidy(out.getvalue()), 'error': error})
    finally:
        os.chdir(old)
    return results


def compare(want, got):
    """Lines naming each block whose output or error differs."""
    lines = []
    for i, (w, g) in enumerate(zip(want, got)):
        if w['out'] != g['out'] or w['error'] != g['error']:
            lines.append('--- block %d: %s' % (i, w['code'].strip().splitlines()[0][:70]))
            if w['error'] != g['error']:
                lines.append('  error: MXNet %r / tfmod %r' % (w['error'], g['error']))
            lines.append('  MXNet: ' + w['out'][:1500].replace('\n', '\n         '))
            lines.append('  tfmod: ' + g['out'][:1500].replace('\n', '\n         '))
    if len(want) != len(got):
        lines.append('block counts differ: %d / %d' % (len(want), len(got)))
    return lines


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('files', nargs='+')
    p.add_argument('--mxnet', action='store_true', help='run the real MXNet, not tfmod')
    p.add_argument('--compare', action='store_true', help='compare two recorded runs')
    p.add_argument('-o', '--output', help='write the blocks\' results here as JSON')
    args = p.parse_args(argv)
    if args.compare:
        want, got = (json.load(open(f)) for f in args.files)
        lines = compare(want, got)
        print('\n'.join(lines) if lines else 'same output in all %d blocks' % len(want))
        return 1 if lines else 0
    if not args.mxnet:
        from run_mxnet_example import _MXNetAlias
        sys.meta_path.insert(0, _MXNetAlias())
    path = args.files[0]
    with open(path) as f:
        markdown = f.read()
    with tempfile.TemporaryDirectory() as work:
        results = run_tutorial(markdown, os.path.basename(path), work)
    if args.output:
        with open(args.output, 'w') as f:
            json.dump(results, f, indent=1)
    for i, r in enumerate(results):
        print('[%d]%s %s' % (i, ' ERROR ' + r['error'] if r['error'] else '',
                             r['code'].strip().splitlines()[0][:70] if r['code'].strip() else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
