"""Adapters that deliver webhooks."""
