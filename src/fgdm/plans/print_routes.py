"""The family plan as a handout: the A4 print view, the PDF and the children's version."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
