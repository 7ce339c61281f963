"""Delivery layer of the Safeguarding Hotline: web app, channels, CLI and settings."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("safeguarding-hotline")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0+unknown"
