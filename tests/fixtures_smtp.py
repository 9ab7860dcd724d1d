"""The `smtp_sink` fixture: a running SMTP sink (tests/smtp.py), stopped after the test."""

from collections.abc import Iterator

import pytest

from tests.smtp import SMTPSink


@pytest.fixture
def smtp_sink() -> Iterator[SMTPSink]:
    sink = SMTPSink().start()
    yield sink
    sink.stop()
