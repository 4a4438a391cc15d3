"""Use cases: what a user asks Kontrol to do, one module each."""
