"""Provide the harvesting library: one module per platform, one store.

This package knows nothing of ``bot/``: it takes plain settings objects and a
``sqlite_utils.Database`` and can be used on its own.
"""
