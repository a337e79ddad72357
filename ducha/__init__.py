"""Ducha 督查督办: supervision and follow-up for government supervision offices."""

__version__ = "0.1.0"
