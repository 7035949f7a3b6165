"""Agreeing the plan: the agency's decision and the answers to requests for help."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
