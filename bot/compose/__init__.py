"""Provide composition: an issue's highlights as one exact thread per platform."""
