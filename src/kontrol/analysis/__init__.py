"""Analysis across periods: contact reasons and complaint types, the bottlenecks of
the current state, and quality beside the commercial results, with lags.

Every figure is counted with the metric definitions of ``kontrol.metrics`` over
the same per-interaction facts, so a number here equals the dashboard's for the
same filters.
"""
