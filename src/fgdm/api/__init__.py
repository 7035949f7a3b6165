"""The read-only JSON API for integration: the network and its findings, with visibility applied."""
