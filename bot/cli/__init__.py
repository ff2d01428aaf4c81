"""The `tekkie` command, one module per command group."""
