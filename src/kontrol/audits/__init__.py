"""Service audits: templates per area, audits with answers and evidence, results, reports."""
