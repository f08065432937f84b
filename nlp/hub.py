"""Where a pretrained model loads from: a local folder, or the hub only when it can answer."""
from __future__ import annotations

import os
from pathlib import Path

TRUTHY = {"1", "true", "yes", "on"}


def hub_reachable(timeout: float = 2.0) -> bool:
    """Whether the model hub answers at all; without it, only the local cache is tried.

    Spares minutes of download retries on machines with no network.
    """
    import socket
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    endpoint = urlsplit(constants.ENDPOINT)
    try:
        socket.create_connection((endpoint.hostname, endpoint.port or 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def model_source(model: str) -> tuple[str, bool]:
    """(what to pass to from_pretrained, whether to stay offline) for a name or a path.

    An existing folder loads as it is, never asking the hub; a path that does not exist
    raises FileNotFoundError; a hub name is looked up online only when HF_HUB_OFFLINE is
    unset and the hub answers, else in the local cache only.
    """
    local = Path(model).expanduser()
    if local.exists():
        return str(local), True
    if local.is_absolute() or model.startswith((".", "~")):
        raise FileNotFoundError(f"no model folder at {model}")
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in TRUTHY
    return model, offline or not hub_reachable()
