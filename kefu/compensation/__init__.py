"""Compensation: the one source of "what may we offer for this case", and grants exactly once."""
