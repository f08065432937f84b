"""Prefect flows, export parsers and the qunsheng CLI: composition of nlp/ over models/."""
import os

from models.settings import get_settings

# Prefect runs in ephemeral mode: a temporary local server under our data folder, no
# analytics, nothing leaves loopback. Set before prefect is imported anywhere.
os.environ.setdefault("PREFECT_HOME", str(get_settings().data_dir / "prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.makedirs(os.environ["PREFECT_HOME"], exist_ok=True)
