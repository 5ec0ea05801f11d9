"""``tfmod-convert``: an MXNet checkpoint -> TensorFlow SavedModel (optionally ONNX, TFLite).

    tfmod-convert --prefix model --epoch 10 --input data:-1,3,224,224
    tfmod-convert --symbol net-symbol.json --params net-0010.params --input data:-1,784 \\
                  --output fc1_output --precision float16 --onnx

``--input NAME:SHAPE[:DTYPE]`` (repeatable): a signature input; -1 marks an open dimension.
The name may hold ':' (``--input input:0:-1,3``). MXNet names TF does not accept (``_data``,
``input:0``) get a TF form as signature keys (``x_data``, ``input_0``) and variable names; the
map is written to ``DIR/assets/tfmod_names.json`` (see tfmod.export_names).
``--output NAME`` (repeatable or comma-separated): outputs to export, internal ones allowed
(``fc1_output``, or just ``fc1``); default: the symbol's outputs. Labels of loss layers are
pruned; loss layers export as their inference form (SoftmaxOutput -> softmax ...).
Errors print one message and exit with status 2.
"""
import argparse
import os
import re
import sys

# TensorFlow's start-up chatter is filtered when tfmod loads it (converters/tf_startup.py).


class _UsageError(Exception):
    pass


def _parser():
    p = argparse.ArgumentParser(
        prog='tfmod-convert',
        description='Convert an MXNet checkpoint (symbol JSON + .params) to a TensorFlow '
                    'SavedModel, optionally also to ONNX and TFLite.')
    src = p.add_argument_group('checkpoint (give --prefix/--epoch or --symbol/--params)')
    src.add_argument('--prefix', help='checkpoint prefix: reads PREFIX-symbol.json and '
                                      'PREFIX-EPOCH.params (EPOCH as %%04d)')
    src.add_argument('--epoch', type=int, help='checkpoint epoch')
    src.add_argument('--symbol', help='symbol JSON file')
    src.add_argument('--params', help='.params file (arg:/aux: arrays, as MXNet writes)')
    p.add_argument('--input', action='append', default=[], metavar='NAME:SHAPE[:DTYPE]',
                   help='a signature input and its shape, e.g. data:-1,3,32,32 (-1: open '
                        'dimension); repeat for several inputs. Default: the inputs with a '
                        '__shape__ attribute in the symbol')
    p.add_argument('--output', action='append', default=[], metavar='NAME',
                   help='an output to export (repeatable or comma-separated); internal outputs '
                        'such as fc1_output are allowed. Default: the symbol\'s outputs')
    p.add_argument('--precision', choices=['float32', 'float16', 'bfloat16'], default='float32',
                   help='store and compute in this type (inputs and outputs stay float32)')
    p.add_argument('--saved-model', metavar='DIR',
                   help='where to write the SavedModel (default: PREFIX-savedmodel next to the '
                        'checkpoint)')
    p.add_argument('--onnx', nargs='?', const='', default=None, metavar='FILE',
                   help='also write ONNX through tf2onnx (pip install "tfmod[onnx]"); default '
                        'file: DIR.onnx')
    p.add_argument('--opset', type=int, default=None, help='ONNX opset (tf2onnx\'s default)')
    p.add_argument('--tflite', nargs='?', const='', default=None, metavar='FILE',
                   help='also write a TFLite flatbuffer; default file: DIR.tflite')
    p.add_argument('--debug', action='store_true', help='show tracebacks of errors')
    return p


_SHAPE_TEXT = re.compile(r'[\s\d,x()\[\]-]*\Z')


def _parse_input(text):
    """(name, dims, dtype or None) from NAME:SHAPE[:DTYPE]. MXNet names may hold ':'
    (``input:0:-1,3``): the shape is the last field that reads as one, the name all before."""
    parts = text.split(':')
    if len(parts) >= 3 and not _SHAPE_TEXT.match(parts[-1]) and _SHAPE_TEXT.match(parts[-2]):
        name, shape, dtype = ':'.join(parts[:-2]), parts[-2], parts[-1]
    else:
        name, shape, dtype = ':'.join(parts[:-1]), parts[-1], None
    shape = shape.strip().strip('()[]')
    if len(parts) < 2 or not name or not shape:
        raise _UsageError('--input %r: expected NAME:SHAPE or NAME:SHAPE:DTYPE, e.g. '
                          'data:-1,3,32,32' % text)
    try:
        if not _SHAPE_TEXT.match(shape):
            raise ValueError(shape)
        dims = [int(d) for d in shape.replace('x', ',').split(',') if d.strip()]
    except ValueError:
        raise _UsageError('--input %r: the shape must be integers separated by commas (-1 '
                          'for an open dimension)' % text) from None
    if any(d < -1 for d in dims):
        raise _UsageError('--input %r: dimensions must be positive or -1' % text)
    return name, tuple(dims), dtype


def _default_dir(args):
    if args.saved_model:
        return args.saved_model
    if args.prefix:
        return '%s-%04d-savedmodel' % (args.prefix, args.epoch)
    base = args.symbol
    for suffix in ('-symbol.json', '.json'):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
            break
    return base + '-savedmodel'


def _fmt_shape(dims):
    return '(' + ', '.join(str(d) for d in dims) + (',)' if len(dims) == 1 else ')')


def run(argv=None, out=None):
    out = sys.stdout if out is None else out
    args = _parser().parse_args(argv)
    if args.prefix is not None or args.epoch is not None:
        if args.symbol or args.params:
            raise _UsageError('give either --prefix/--epoch or --symbol/--params, not both')
        if args.prefix is None or args.epoch is None:
            raise _UsageError('--prefix needs --epoch (and --epoch needs --prefix)')
        sym_file = '%s-symbol.json' % args.prefix
        params_file = '%s-%04d.params' % (args.prefix, args.epoch)
    elif args.symbol and args.params:
        sym_file, params_file = args.symbol, args.params
    else:
        raise _UsageError('give the checkpoint: --prefix P --epoch N, or --symbol F.json '
                          '--params F.params')
    for f in (sym_file, params_file):
        if not os.path.isfile(f):
            raise _UsageError('no such file: %s' % f)
    inputs, dtypes = {}, {}
    for text in args.input:
        name, shape, dt = _parse_input(text)
        if name in inputs:
            raise _UsageError('--input %s given twice' % name)
        inputs[name] = shape
        if dt:
            dtypes[name] = dt
    outputs = [o.strip() for text in args.output for o in text.split(',') if o.strip()] or None

    import tfmod as mx
    from tfmod import export
    from tfmod.checkpoint import split_params

    sym = mx.sym.load(sym_file)
    arg_params, aux_params = split_params(mx.nd.load(params_file), params_file)
    if not inputs:
        for node in sym._order():
            if node.is_variable and node.name not in arg_params and \
                    node.name not in aux_params and '__shape__' in node.attrs:
                from tfmod_converters.infer import var_shape_attr
                inputs[node.name] = tuple(-1 if d is None else d for d in var_shape_attr(node))
        if not inputs:
            free = [n for n in sym.list_arguments() if n not in arg_params]
            raise mx.MXNetError('give the signature inputs with --input NAME:SHAPE (-1 for an '
                                'open dimension); the symbol\'s inputs are: %s'
                                % ', '.join(free))
    print('tfmod-convert: read %s and %s (%d arg, %d aux arrays)'
          % (sym_file, params_file, len(arg_params), len(aux_params)), file=out)
    path = _default_dir(args)
    precision = None if args.precision == 'float32' else args.precision
    info = export.save_model(sym, path, arg_params, aux_params, input_shapes=inputs,
                             outputs=outputs, precision=precision, input_dtypes=dtypes)
    print('SavedModel written to %s' % info['path'], file=out)
    for sig, s in info['signatures'].items():
        print('  signature %r' % sig, file=out)
        keys = info['names']['signatures'][sig]['inputs']
        for name, shape in s['inputs'].items():
            print('    input  %-20s %-8s %s%s' % (
                name, info['input_dtypes'][sig][name], _fmt_shape(shape),
                '' if keys[name] == name else '  (signature key %r)' % keys[name]), file=out)
        for name in s['outputs']:
            print('    output %-20s %-8s %s' % (name, info['output_dtypes'][sig][name],
                                                _fmt_shape(info['output_shapes'][sig][name])),
                  file=out)
        if info['pruned_inputs'][sig]:
            print('    not inputs (labels of loss layers, unused in inference): %s'
                  % ', '.join(info['pruned_inputs'][sig]), file=out)
    params = info['parameters']
    print('  %d parameters as tf.Variables (%d trainable, %d aux), %s'
          % (len(params['arg']) + len(params['aux']), len(params['arg']), len(params['aux']),
             info['precision']), file=out)
    renamed = {k: v for k, v in info['names']['parameters'].items() if k != v}
    if renamed:
        print('  %d parameter names are not TF names: their variables are named as in %s '
              '(loaded.arg_params / aux_params keep the MXNet names)'
              % (len(renamed), os.path.join(info['path'], 'assets', 'tfmod_names.json')),
              file=out)
    unused = sorted(set(arg_params) - set(params['arg']) | set(aux_params) - set(params['aux']))
    if unused:
        print('  not needed by the outputs, left out: %s' % ', '.join(unused), file=out)
    if args.onnx is not None:
        onnx_path = args.onnx or path.rstrip('/\\') + '.onnx'
        export.to_onnx(path, onnx_path, opset=args.opset)
        print('ONNX written to %s' % os.path.abspath(onnx_path), file=out)
    if args.tflite is not None:
        tfl_path = args.tflite or path.rstrip('/\\') + '.tflite'
        export.to_tflite(path, tfl_path)
        print('TFLite written to %s' % os.path.abspath(tfl_path), file=out)
    return info


def main(argv=None):
    debug = '--debug' in (sys.argv[1:] if argv is None else argv)
    try:
        run(argv)
    except _UsageError as e:
        print('tfmod-convert: error: %s' % e, file=sys.stderr)
        return 2
    except Exception as e:   # noqa: BLE001 -- one clean line, not a traceback
        if debug:
            raise
        from tfmod_converters.base import MXNetError
        kind = '' if isinstance(e, (MXNetError, OSError)) else '%s: ' % type(e).__name__
        print('tfmod-convert: error: %s%s' % (kind, str(e).strip()), file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
