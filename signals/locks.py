"""A lock that holds across processes, so overlapping detector runs write in turn.

Redis holds it when REDIS_URL (or the broker) is set; otherwise PostgreSQL's
transaction-scoped advisory lock does. SQLite needs neither: its transactions
start IMMEDIATE (see settings), which takes the database's write lock.
"""

import hashlib
import logging
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

# Long enough for the slowest batch write; a killed holder frees it by expiry.
LOCK_TIMEOUT_SECONDS = 300


def _advisory_key(name):
    """A signed 64-bit key for pg_advisory_xact_lock, stable across processes."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def redis_lock(name):
    """Hold the Redis lock `name`, or nothing when no Redis is configured."""
    if not settings.REDIS_URL:
        yield
        return

    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    lock = client.lock(
        f"metricgate:{name}",
        timeout=LOCK_TIMEOUT_SECONDS,
        blocking_timeout=LOCK_TIMEOUT_SECONDS,
        # Poll often: a waiting batch should start writing as soon as it may.
        sleep=0.01,
    )
    if not lock.acquire():
        raise TimeoutError(f"could not take lock {name}")
    try:
        yield
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            # It expired while we held it; the transaction already decided.
            logger.warning("lock %s expired before release", name)
        client.close()


def database_lock(name):
    """Inside a transaction: take the advisory lock `name` unless Redis holds it."""
    if settings.REDIS_URL or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_key(name)])
