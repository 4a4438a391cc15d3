"""Importers for vendor exports and webhooks (Chatwoot, Telegram, Zendesk, Freshdesk, ...)."""
