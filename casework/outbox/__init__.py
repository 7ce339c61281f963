"""The transactional outbox: everything that must happen later, written with its cause."""
