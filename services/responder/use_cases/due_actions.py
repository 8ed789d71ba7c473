"""The retry loop: re-drives rows whose `retry_at` is due, without blocking the consumer."""

from __future__ import annotations

import asyncio
import logging

from services.responder.driver import ActionDriver

log = logging.getLogger(__name__)


async def run_retry_loop(driver: ActionDriver, stop: asyncio.Event, interval_s: float) -> None:
    """Until `stop`: drive due rows; errors are logged and the next pass tries again."""
    while not stop.is_set():
        try:
            while await driver.drive_due() and not stop.is_set():
                pass
        except Exception:
            log.exception("retry pass over due actions failed; will try again")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            pass
