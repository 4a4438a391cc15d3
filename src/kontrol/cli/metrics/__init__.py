"""Commands of metrics: KPIs and their rollups, KPI targets and business-hours calendars."""
