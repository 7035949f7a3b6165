"""The family plan: writing it together, its history and the family's agreement."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
