"""Subcommands of `asb-tui`, one module per group; each exposes `register(subparsers)`."""
