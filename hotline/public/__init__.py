"""Pages anyone may read without signing in that are not a reporting channel: the public
transparency report."""
