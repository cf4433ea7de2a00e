"""The Azure world's adapters: each implements one port from rehearse/ports.py against an Azure service."""
