"""salescli: a git-native sales pipeline."""

__version__ = "0.1.0"
