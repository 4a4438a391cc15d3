"""Seeded, reproducible demo data in the interchange format (spec/FORMAT.md)."""
