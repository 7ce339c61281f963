"""The JSON API used by the smartphone app."""
