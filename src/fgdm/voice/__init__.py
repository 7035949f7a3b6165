"""The child's voice (Lundy: space, voice, audience, influence)."""
