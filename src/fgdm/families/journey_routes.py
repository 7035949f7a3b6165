"""The family group's journey through a family group conference: stages and the referral."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
