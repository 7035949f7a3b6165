"""A practitioner's or manager's caseload: every family group with its stage and what is due."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
