"""Languages: choosing the language of the pages, before and after signing in."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["languages"], include_in_schema=False)
