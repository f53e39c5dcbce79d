"""One Redis connection pool per process for Django's RedisCache.

Under ASGI every request runs in a context of its own, and Django's cache handler makes a new
``RedisCache`` (with a new pool, hence a new TCP connection) for each; the cached availability
answer then costs a connect per request. Pools made through this class are shared by every
instance in the process.
"""

from redis import ConnectionPool

_pools: dict[str, ConnectionPool] = {}


class SharedConnectionPool(ConnectionPool):
    @classmethod
    def from_url(cls, url: str, **options) -> ConnectionPool:
        key = f"{url} {sorted(options.items())}"
        if key not in _pools:
            _pools[key] = super().from_url(url, **options)
        return _pools[key]
