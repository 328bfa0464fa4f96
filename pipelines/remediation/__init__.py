"""Remediation: from findings to the actions in the source systems, and whether they were
carried out by the next audit."""
