"""Prefect flows, export parsers and the qunsheng CLI: composition of nlp/ over models/."""
import os

from models.settings import DEFAULT_DATA_DIR

# Prefect runs in ephemeral mode: a temporary local server under our data folder, no
# analytics, nothing leaves loopback. Set before prefect is imported anywhere. (Read from
# the environment directly: a bad setting should fail in the command, with one line.)
os.environ.setdefault("PREFECT_HOME", os.path.join(os.environ.get("QUNSHENG_DATA_DIR") or DEFAULT_DATA_DIR, "prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# The temporary server needs more than Prefect's default 20 s to start on a busy 2-core machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.makedirs(os.environ["PREFECT_HOME"], exist_ok=True)
