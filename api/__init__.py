"""The FastAPI service: JSON for CRM systems and the theme browser, read-only over the store."""
