"""Linking reports: the same phone, the same person at the same school, pattern alerts."""
