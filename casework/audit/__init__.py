"""The tamper-evident audit trail: events, an RFC 6962 Merkle tree, signed checkpoints."""
