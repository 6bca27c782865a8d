"""Threadkeeper: a bbPress-style forum inside a Discord server."""

__version__ = "0.1.0"
