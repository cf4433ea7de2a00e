"""Rehearse: live AI mock interviews. The core package: domain model, ports and pure interview logic."""

__version__ = "0.1.0"
