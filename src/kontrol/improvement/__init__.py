"""The improvement plan: actions from audits, mystery shopping, reviews and dashboards."""
