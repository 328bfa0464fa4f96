"""Detectors of personal data where the data map does not expect it (no Dagster, no GX)."""
