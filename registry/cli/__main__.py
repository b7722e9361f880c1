"""``python -m registry.cli``: the same as the ``efreg`` command."""

from registry.cli import main

main()
