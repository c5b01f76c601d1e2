"""The conversation layer: what each multi-step flow may hold between two messages."""
