"""The prospect's relation with the school: privacy, human handoff, campaigns."""
