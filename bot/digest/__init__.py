"""Provide the digest: rank harvested threads and draft the "Tales of the Twitterverse" section."""
