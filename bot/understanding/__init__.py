"""How Tekkie understands a message besides DIET: retrieval over its own examples."""
