"""Notice channels, below services: e-mail over SMTP (the work-group robots arrive later)."""
