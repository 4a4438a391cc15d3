"""Alert rule kinds and notifiers: what raises an alert and how it is sent."""
