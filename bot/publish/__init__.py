"""Provide publishing: the outbox and one publisher per platform, posting each thread exactly once."""
