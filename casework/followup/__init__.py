"""Follow-up: a reporter comes back with their case reference and secret code."""
