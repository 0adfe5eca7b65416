"""coopfed: the server a platform co-op runs on its own machine."""

__version__ = "0.1.0"
