"""The JSON API of reviewing: evaluations, routing queues, calibration."""
