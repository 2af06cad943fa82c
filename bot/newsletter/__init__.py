"""Provide newsletter ingestion: read one issue from a feed, a page or a file."""
