"""Audit rules: the catalogue in expectations/, their parameters, GX validation, findings."""
