"""An independent, plain-Python reference implementation of the audit's rules."""
