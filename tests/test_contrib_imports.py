"""``import tfmod`` registers MXNet's 19 optimizers and no more: as in MXNet 1.9.1, the SVRG ones
come with an explicit ``import mxnet.contrib.svrg_optimization`` (checked in a fresh process: the
suite itself imports it)."""
import subprocess
import sys


def test_svrg_optimizers_registered_only_when_imported():
    code = ("import tfmod as mx\n"
            "r0 = set(mx.optimizer.Optimizer.opt_registry)\n"
            "from tfmod.contrib.svrg_optimization.svrg_module import SVRGModule\n"
            "print(sorted(r0 & {'_svrgoptimizer', '_assignmentoptimizer'}),"
            " sorted(set(mx.optimizer.Optimizer.opt_registry) - r0))\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[] ['_assignmentoptimizer', '_svrgoptimizer']"
