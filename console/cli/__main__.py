"""`python -m console.cli`: the same as the `griddesk` script."""

import sys

from griddesk.console.cli.main import main

if __name__ == "__main__":  # not when a worker process (`demo init`'s, spawned) imports it again
    sys.exit(main())
