"""Operator command line. Each area module exposes ``register(subparsers)``."""
