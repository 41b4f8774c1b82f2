"""The `griddesk` command line: the console, the demo, and commands for scripts."""

from griddesk.console.cli.main import main

__all__ = ["main"]
