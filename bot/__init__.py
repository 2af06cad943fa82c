"""ml4sci-bot: the social-media side of a science newsletter."""

__version__ = "0.1.0"
