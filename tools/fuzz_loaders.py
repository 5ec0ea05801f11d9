"""Seeded mutation fuzzing of tfmod's file loaders (tfmod issue 16).

Seeds are MXNet-written files from tests/fixtures (symbol JSON, ``.params``/``mx.nd.save`` files,
``.states`` pickles of several releases) plus tfmod ``.states`` made here. Each case mutates one
seed (byte flips, truncation, splices, inserted bytes, JSON-aware edits of graph entries) and
feeds it to its loader. Outcomes: ``ok`` (loaded), ``mxneterror`` (refused with MXNetError) or
``other:<Type>`` (any other exception -- a bug). tests/test_hardening_fuzz.py runs a bounded
number of cases in-process; run this file for the long campaign, each chunk of cases in a
worker process with an address-space limit and a time bound::

    python tools/fuzz_loaders.py --cases 20000 --seed 1 [--workers 2] [--mem-mb 2048]
"""
import argparse
import collections
import glob
import json
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, 'tests', 'fixtures')
if ROOT not in sys.path:   # this checkout's tfmod, also in the spawned workers
    sys.path.insert(0, ROOT)


def seed_files():
    """{kind: [(name, bytes)]} of MXNet-written fixture files, kind = the loader used."""
    pats = {'symbol': ['hardening/*symbol.json', 'modules/checkpoints/*symbol.json',
                       'old_mxnet/*/net-symbol.json', 'old_mxnet/1.8.0/zoo-symbol.json'],
            'ndfile': ['hardening/*.params', 'hardening/bf16.nd', 'modules/checkpoints/*.params',
                       'old_mxnet/1.8.0/arrays_*.nd', 'ndfile_zero_size/*.nd', 'sparse/*.nd'],
            'pickle': ['hardening/*.states', 'modules/checkpoints/*.states',
                       'old_mxnet/*/*.states']}
    out = {}
    for kind, globs in pats.items():
        files = sorted({p for g in globs for p in glob.glob(os.path.join(FIX, g))})
        out[kind] = [(os.path.relpath(p, FIX), open(p, 'rb').read()) for p in files]
    return out


def tfmod_states_seeds(mx):
    """tfmod's own .states files (plain, nested tuples, counts, params digest)."""
    from tfmod import model
    st = {0: mx.nd.ones((2, 3)), 1: (mx.nd.zeros((3,)), mx.nd.ones((3,), dtype='float16')),
          'w': None, 2: [mx.nd.ones((1,)), (mx.nd.ones((2,)), None)]}
    a = model.dumps_optimizer_states(st, counts=(7, {0: {0: 7, 1: 3}, 1: {'w': 2}}))
    b = model.add_params_digest(a, b'params bytes')
    return [('tfmod-a.states', a), ('tfmod-b.states', b)]


def _json_mutation(rng, data):
    """A structural edit of a symbol JSON graph: entries, ops, names, heads set to odd values."""
    try:
        doc = json.loads(data.decode('utf-8'))
    except ValueError:
        return data
    odd = [None, True, -1, 2 ** 63, 1e400, float('nan'), 'x', [], {}, [[3]], [0, 0, 0, 0],
           [[-1, 0, 0]], [['x', 0, 0]], 10 ** 6]
    nodes = doc.get('nodes') or [{}]
    node = rng.choice(nodes) if isinstance(nodes, list) and nodes else {}
    where = rng.randrange(7)
    if where == 0:
        doc['heads'] = rng.choice(odd)
    elif where == 1 and isinstance(node, dict):
        node['inputs'] = rng.choice(odd)
    elif where == 2 and isinstance(node, dict) and isinstance(node.get('inputs'), list) \
            and node['inputs']:
        e = rng.choice(node['inputs'])
        if isinstance(e, list) and e:
            e[rng.randrange(len(e))] = rng.choice(odd)
    elif where == 3 and isinstance(node, dict):
        node[rng.choice(['op', 'name', 'attrs', 'subgraphs'])] = rng.choice(odd)
    elif where == 4:
        doc[rng.choice(['nodes', 'attrs', 'arg_nodes', 'node_row_ptr'])] = rng.choice(odd)
    elif where == 5 and isinstance(nodes, list) and len(nodes) > 1:
        nodes.insert(rng.randrange(len(nodes)), rng.choice(nodes))
    elif where == 6 and isinstance(node, dict) and isinstance(node.get('attrs'), dict) \
            and node['attrs']:
        node['attrs'][rng.choice(sorted(node['attrs']))] = rng.choice(
            ['', '-1', '(0, 4611686018427387904)', '1e999', 'None', '((', '\x00'])
    return json.dumps(doc).encode('utf-8')


def mutate(rng, data, kind):
    """One seeded mutation of ``data``."""
    data = bytearray(data)
    op = rng.randrange(8 if kind == 'symbol' else 6)
    if op >= 6:
        return _json_mutation(rng, bytes(data))
    if not data:
        return bytes(rng.randrange(256) for _ in range(8))
    if op == 0:      # flip a few bytes
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif op == 1:    # truncate
        del data[rng.randrange(len(data)):]
    elif op == 2:    # overwrite a little-endian integer field with an extreme value
        pos = rng.randrange(len(data))
        val = rng.choice([0, 1, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 62, 2 ** 64 - 1, 0x112,
                          0xF993FAC9, 12, 255])
        width = rng.choice([4, 8])
        data[pos:pos + width] = (val % (1 << (8 * width))).to_bytes(width, 'little')
    elif op == 3:    # duplicate a slice (deeper nesting, repeated records)
        a = rng.randrange(len(data))
        b = min(len(data), a + rng.randint(1, 64))
        data[a:a] = data[a:b] * rng.randint(1, 50)
    elif op == 4:    # insert random bytes
        pos = rng.randrange(len(data) + 1)
        data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    else:            # splice with another part of itself
        a, b = sorted(rng.randrange(len(data) + 1) for _ in range(2))
        data[a:b] = data[b:a:-1] if b > a else b''
    return bytes(data)


def loaders(mx):
    from tfmod import model
    from tfmod.symbol import jsonfmt

    def sym(b):
        jsonfmt.from_json(b, 'fuzz-symbol.json')

    def nd(b):
        mx.nd.load_frombuffer(b, source='fuzz.params')

    def states(b):
        model.loads_optimizer_states(b, 'fuzz.states')
    return {'symbol': sym, 'ndfile': nd, 'pickle': states, 'tfmod_states': states}


def run_cases(mx, seed, n, deadline=None):
    """Counts by (kind, outcome) of ``n`` cases from ``seed``, and the first few non-MXNetError
    failures as (seed file, case number, exception text)."""
    rng = random.Random(seed)
    seeds = seed_files()
    seeds['tfmod_states'] = tfmod_states_seeds(mx)
    load = loaders(mx)
    kinds = sorted(seeds)
    counts = collections.Counter()
    bad = []
    for i in range(n):
        if deadline is not None and time.monotonic() > deadline:
            break
        kind = kinds[i % len(kinds)]
        name, data = rng.choice(seeds[kind])
        case = mutate(rng, data, kind)
        for _ in range(rng.choice([0, 0, 0, 1, 2])):   # sometimes mutate again
            case = mutate(rng, case, kind)
        try:
            load[kind](case)
            outcome = 'ok'
        except mx.base.MXNetError:
            outcome = 'mxneterror'
        except Exception as e:   # noqa: BLE001 -- the point is to catch what should not escape
            outcome = 'other:' + type(e).__name__
            if len(bad) < 10:
                bad.append((name, i, '%s: %s' % (type(e).__name__, str(e)[:200])))
        counts[(kind, outcome)] += 1
    return counts, bad


def _worker(args):
    """One chunk in its own process, under an address-space limit."""
    seed, n, mem_mb = args
    import resource
    limit = mem_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import tfmod as mx
    counts, bad = run_cases(mx, seed, n)
    return dict((('%s|%s' % k), v) for k, v in counts.items()), bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cases', type=int, default=20000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--chunk', type=int, default=2500)
    ap.add_argument('--workers', type=int, default=1)
    ap.add_argument('--mem-mb', type=int, default=4096)
    ap.add_argument('--chunk-timeout', type=float, default=900.0)
    args = ap.parse_args()
    import multiprocessing as mp
    jobs = [(args.seed * 1000003 + c, min(args.chunk, args.cases - c * args.chunk), args.mem_mb)
            for c in range((args.cases + args.chunk - 1) // args.chunk)]
    total = collections.Counter()
    failures = []
    t0 = time.time()
    ctx = mp.get_context('spawn')
    with ctx.Pool(args.workers, maxtasksperchild=1) as pool:
        results = [pool.apply_async(_worker, (j,)) for j in jobs]
        for j, r in zip(jobs, results):
            try:
                counts, bad = r.get(timeout=args.chunk_timeout)
            except mp.TimeoutError:
                total['chunk|timeout'] += j[1]
                continue
            except Exception as e:   # noqa: BLE001 -- a worker died (e.g. memory limit)
                total['chunk|crashed:%s' % type(e).__name__] += j[1]
                failures.append(('chunk seed %d' % j[0], -1, '%s: %s' % (type(e).__name__, e)))
                continue
            total.update(counts)
            failures.extend(bad)
    print('fuzz_loaders: %d cases, seed %d, %.0f s' % (sum(total.values()), args.seed,
                                                        time.time() - t0))
    for k in sorted(total):
        print('  %-40s %d' % (k, total[k]))
    for f in failures[:20]:
        print('  FAIL', f)
    return 1 if any(k.split('|')[1] not in ('ok', 'mxneterror') for k in total) else 0


if __name__ == '__main__':
    sys.exit(main())
