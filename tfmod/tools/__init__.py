"""Command-line tools installed with tfmod (``tfmod-convert``)."""
