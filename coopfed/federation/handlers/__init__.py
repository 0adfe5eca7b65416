"""Inbox handlers, one module per activity (GoToSocial style); each registers with dispatch."""
