"""GridDesk console: Textual UI and the command-line interface."""
