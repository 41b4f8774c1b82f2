"""`python -m console.cli`: the same as the `griddesk` script."""

import sys

from griddesk.console.cli.main import main

sys.exit(main())
