"""What gets installed: the package tfmod, and the repository folder converters/ (the op registry
and lowerings, which never import tfmod) as the package tfmod_converters -- a distinctive name,
since a project called `converters` already exists on the package index. Everything else about
the distribution is in pyproject.toml."""
from setuptools import find_packages, setup

setup(packages=find_packages(include=['tfmod', 'tfmod.*']) + ['tfmod_converters'],
      package_dir={'tfmod_converters': 'converters'},
      package_data={'tfmod_converters': ['signatures.json']})
