"""Plain records and rules of the field; imports nothing else of ours and does no I/O."""
