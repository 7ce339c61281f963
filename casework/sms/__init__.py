"""The SMS intake conversation: a few questions, then a line to the caseworkers."""
