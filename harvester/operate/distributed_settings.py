"""Scrapy settings of a distributed crawl: harvester.crawl.settings plus a shared, reliable Redis frontier.

Select with SCRAPY_SETTINGS_MODULE=harvester.operate.distributed_settings (`harvester workers` does).
"""

from harvester.crawl.settings import *  # noqa: F401,F403 - the one settings module, extended here

# Default Scrapy's memory/disk scheduler: one frontier per process. Ours: one in Redis for all workers.
SCHEDULER = "harvester.operate.frontier.ReliableScheduler"
SCHEDULER_QUEUE_CLASS = "harvester.operate.frontier.ReliableQueue"
# scrapy-redis default pickle (kept): request meta holds dataclasses (the discovery spider's Start).
# Default scrapy-redis False flushes the shared queue when ANY worker closes: fatal with several workers.
SCHEDULER_PERSIST = True
# Default Scrapy's per-process RFPDupeFilter: a URL seen by one worker must be skipped by all.
DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"
# Per crawl keys (the workers command replaces "harvester" with the crawl id).
SCHEDULER_QUEUE_KEY = "harvester:requests"
SCHEDULER_DUPEFILTER_KEY = "harvester:dupefilter"
REDIS_START_URLS_KEY = "harvester:start_urls"
REDIS_URL = "redis://127.0.0.1:6379/0"
# Ours: heartbeat period and TTL; a worker silent for the TTL is dead and its in-flight work requeued.
# A short TTL recovers faster but, on an overloaded machine, a busy worker misses beats and its work
# runs twice (4 workers on 2 cores with TTL 5 s repeated 36 of 2000 fetches).
HARVESTER_HEARTBEAT_S = 1.0
HARVESTER_HEARTBEAT_TTL = 30
# Ours: robots.txt Crawl-delay turns per host kept in Redis, shared by every worker (crawl/politeness.py).
HARVESTER_SHARED_POLITENESS = True
# Outermost: the acknowledgement sees the final output (the base settings' spider middlewares kept).
SPIDER_MIDDLEWARES = {**SPIDER_MIDDLEWARES, "harvester.operate.frontier.AckMiddleware": 10}  # noqa: F405
