"""Conversations on every channel: one turn, the inbound pipeline, language, transcripts."""
