"""Distributed crawls on scrapy-redis and Redis: a leased queue (scheduler.py), one run per
site with a run registry (run.py), cluster-wide politeness (pacing.py). Switched on by
GOVWIRE_REDIS_URL through the add-on in crawler/addons.py; see docs/distributed.md."""
