"""Preparing a family group conference: date, venue, invite list, needs, safety."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
