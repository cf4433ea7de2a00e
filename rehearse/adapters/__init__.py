"""Implementations of the ports, one sub-package per world."""
