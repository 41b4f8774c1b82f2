"""The `griddesk` command line: the console, the demo, and commands for scripts."""

from console.cli.main import main

__all__ = ["main"]
