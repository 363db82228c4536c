"""Shared pytest configuration.

Under CI (``CI=true``) a test dependency that is missing is a failure, not a skip: .ci/run
installs every one of them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and call.excinfo is not None:
        reason = str(call.excinfo.value)
        if "could not import" in reason or "No module named" in reason:
            report.outcome = "failed"
            report.longrepr = f"missing test dependency under CI: {reason}"


# Orthanc as a peer (tests/orthanc_support.py): fixtures shared by the whole session.
from orthanc_support import orthanc, orthanc_server  # noqa: E402, F401
