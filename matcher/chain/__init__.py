"""Stage: chain."""
