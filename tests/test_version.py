"""``mx.__version__`` is MXNet's release whose API tfmod follows, as scripts that gate features on
it expect; tfmod's own release is kept apart (and matches pyproject.toml)."""
import os
import re

import tfmod as mx


def test_mxnet_version_is_the_api_followed():
    assert mx.__version__ == '1.9.1'
    assert tuple(int(x) for x in mx.__version__.split('.')) >= (1, 6, 0)


def test_tfmod_version_is_the_package_version():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, 'pyproject.toml')) as f:
        want = re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.M).group(1)
    assert mx.__tfmod_version__ == want
