"""``python -m polku.cli …``: the ``polku`` command (the production entrypoint starts the worker this way)."""

from polku.cli import main

main()
