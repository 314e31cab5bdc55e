"""Stage: outputs."""
