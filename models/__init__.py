"""The data model: settings, SQLAlchemy tables, pydantic schemas and the store functions."""
