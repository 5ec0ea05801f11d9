"""What a recorded gluon.Trainer case changes on its parameters before training, written once
for tests/test_gluon_trainer.py and tools/record_gluon_trainer.py (MXNet's or tfmod's
ParameterDict)."""


def configure(params, extra):
    """Apply a case's ``extra`` settings: the first parameter (by name) frozen (``null``), an
    lr_mult on the first weight and a wd_mult on the last (``lr_mult``/``wd_mult``), and
    accumulating gradients (``add``). Returns the sorted parameter names."""
    names = sorted(params.keys())
    if extra.get('null'):
        params[names[0]].grad_req = 'null'
    if 'lr_mult' in extra:
        weights = [n for n in names if n.endswith('_weight')]
        params[weights[0]].lr_mult = extra['lr_mult']
        params[weights[-1]].wd_mult = extra['wd_mult']
    if extra.get('add'):
        for p in params.values():
            if p.grad_req != 'null':
                p.grad_req = 'add'
    return names
