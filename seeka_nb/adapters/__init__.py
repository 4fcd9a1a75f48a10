"""Adapters (layer 3): files, HTTP and the local sandbox server."""
