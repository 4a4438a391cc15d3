"""Readers that turn files and payloads into interchange-format records."""
