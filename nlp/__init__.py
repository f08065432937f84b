"""Pure text algorithms over plain data: no Prefect, FastAPI or SQL imports here."""
