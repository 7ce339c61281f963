"""Pictures served to staff: re-encoded without metadata, or the original as evidence."""
