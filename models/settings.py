"""Deployment settings: one place, from environment variables prefixed QUNSHENG_."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUNSHENG_", extra="ignore")

    data_dir: Path = Field(
        DEFAULT_DATA_DIR,
        description="Runtime output: the default SQLite database, Prefect's home, caches.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store; default sqlite:///<data_dir>/qunsheng.db. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )
    embedder: Literal["auto", "lsa", "st"] = Field(
        "auto",
        description="auto (the configured model when it loads, else the offline LSA "
        "embedder with a warning), lsa, or st (the model, failing when it cannot load).",
    )
    embedding_model: str = Field(
        "BAAI/bge-small-zh-v1.5",
        description="sentence-transformers model name or local path, used by auto and st.",
    )
    timezone: str = Field("Asia/Shanghai", description="Time zone of local times in exports.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'qunsheng.db'}"


def get_settings() -> Settings:
    """Read now from the environment (cheap; not cached, so a changed variable takes effect)."""
    return Settings()
