#!/usr/bin/env python
"""Django's command-line utility; ``polku`` is the same with a friendlier name."""

from polku.cli import main

if __name__ == "__main__":
    main()
