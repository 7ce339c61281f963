"""Adapters that send e-mail."""
