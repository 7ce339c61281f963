"""Protection of children's data: envelope encryption, blind indexes, crypto-shredding."""
