"""The reporting regulation: source, checks, format, recipients, schedule, owner."""
