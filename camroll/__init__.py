"""camroll: private photo-library intelligence that runs on your own machine."""

__version__ = "0.1.0"
