"""A case's life after the work: erasure (and, later, retention). Sits above every package
whose rows it removes, so none of them has to know about it."""
