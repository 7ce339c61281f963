"""The staff API (JSON): sign-in, cases within scope, administration; and the partner API."""
