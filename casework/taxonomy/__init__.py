"""Report categories: the Child Helpline International taxonomy with school-specific ones."""
