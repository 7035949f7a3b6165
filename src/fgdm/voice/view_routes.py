"""The child's voice: views in their own words, "you said, we did", and the child's own page."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
