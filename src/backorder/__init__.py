"""Backorder: backorder management service."""

__version__ = "0.1.0"
