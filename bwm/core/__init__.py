"""A small core beneath the services: signing and encryption keys (more moves here later)."""
