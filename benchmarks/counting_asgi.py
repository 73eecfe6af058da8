"""The app as daphne serves it, plus a count of database work, for the load benchmark only.

daphne benchmarks.counting_asgi:application

Every SQL statement the process sends goes through a connection execute_wrapper and is counted
by verb and table; transactions are counted where Django commits or rolls back, and connection
health checks (CONN_HEALTH_CHECKS: with the pool, the empty query psycopg's pool sends
before it lends a connection; without it, Django's `SELECT 1`; execute wrappers see neither)
where they run. The counts are at GET /_bench/queries, answered
before the request reaches Django. Nothing else changes: one dictionary increment each.
"""

import json
import re
import threading
from collections import Counter

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper
from django.db.backends.signals import connection_created
from psycopg_pool import ConnectionPool

from config.asgi import application as rapport

_lock = threading.Lock()
_statements: Counter[str] = Counter()
_transactions: Counter[str] = Counter()
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def _shape(sql: str) -> str:
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    table = _TABLE.search(sql)
    return f"{verb} {table.group(1)}" if table and verb != "SAVEPOINT" else verb


def _count_statement(execute, sql, params, many, context):
    with _lock:
        _statements[_shape(sql)] += 1
    return execute(sql, params, many, context)


def _install(sender, connection, **kwargs) -> None:
    if _count_statement not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_statement)


connection_created.connect(_install)


def _counting(method_name: str, cls: type = BaseDatabaseWrapper):
    original = getattr(cls, method_name)

    def counted(self, *args, **kwargs):
        with _lock:
            _transactions[method_name.strip("_")] += 1
        return original(self, *args, **kwargs)

    return counted


BaseDatabaseWrapper.commit = _counting("commit")
BaseDatabaseWrapper.rollback = _counting("rollback")
PostgresWrapper.is_usable = _counting("is_usable", PostgresWrapper)


def _counted_pool_check(connection) -> None:
    with _lock:
        _transactions["is_usable"] += 1
    _pool_check(connection)


# With the pool (config/settings.py) the health check is the pool's: an empty query each time a
# connection is lent. Django passes ConnectionPool.check_connection when it creates the pool, on
# the first query, so replacing it here (at import) is what it will pass.
_pool_check = ConnectionPool.check_connection
ConnectionPool.check_connection = staticmethod(_counted_pool_check)


def counts() -> dict:
    with _lock:
        return {
            "statements": sum(_statements.values()),
            "by_shape": dict(_statements),
            "transactions": dict(_transactions),
        }


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/_bench/queries":
        body = json.dumps(counts()).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return
    await rapport(scope, receive, send)
