"""Fake outside services on loopback: the real clients talk to them over HTTP."""
