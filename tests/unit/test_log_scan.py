"""The scan of the whole test run's logs finds what must never be logged, and lets the
ordinary request lines through."""

from __future__ import annotations

import json

from tests.log_scan import problems_in


def line(**fields) -> str:
    return json.dumps({"level": "INFO", "logger": "fgdm.request", **fields})


def test_the_scan_finds_typed_personal_data_tokens_and_sign_in_names():
    leaks = [
        line(message="login failed for correct horse battery staple"),
        line(path="/join/AbCdEf0123456789xyzXYZ"),
        line(message="Authorization: Bearer fgdm_abcdef123456"),
        line(message="cookie fgdm_session=abc"),
        line(message="sam.okafor@demo.example.org signed in"),
        line(message="person Sara Test added at 1 Old Road"),
    ]
    ordinary = [
        line(message="request", method="GET", path="/families/12/network", status=200),
        line(message="request", method="POST", path="/join/{token}", status=303),
    ]
    found = problems_in("\n".join(leaks + ordinary))
    assert found == leaks
