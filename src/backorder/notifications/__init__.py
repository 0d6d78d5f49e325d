"""Sending what the outbox holds: email (SMTP, or files when no server is set) and signed
webhooks. Nothing here runs inside a business transaction."""
