"""Test helpers for Taraba: throwaway databases and broker namespaces, app runners, pollers."""

from taraba_testing.helpers import (
    ADMIN,
    OPERATOR,
    WAREHOUSE,
    assert_error,
    auth,
    eventually,
    outbox_events,
    repo_root,
    running_app,
)

__all__ = [
    "ADMIN",
    "OPERATOR",
    "WAREHOUSE",
    "assert_error",
    "auth",
    "eventually",
    "outbox_events",
    "repo_root",
    "running_app",
]
