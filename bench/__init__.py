"""Benchmarks: ``make bench`` runs every module's ``main()`` (see run_all.py)."""
