"""Subject access exports of a family group's record."""
