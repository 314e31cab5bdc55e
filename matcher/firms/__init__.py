"""Stage: firms."""
