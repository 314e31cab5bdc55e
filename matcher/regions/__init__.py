"""Stage: regions."""
