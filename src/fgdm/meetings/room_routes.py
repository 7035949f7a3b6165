"""The meeting on a tablet: the parts of the meeting, attendance and private family time."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
