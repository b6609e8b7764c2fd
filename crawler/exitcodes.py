"""Exit codes, chosen so cron wrappers and schedulers can tell outcomes apart (docs/scheduling.md)."""
OK = 0             # everything asked for was done
FAILED = 1         # nothing could be done: runtime error, store down, every item failed
USAGE = 2          # bad command line or configuration
NOTHING = 3        # ran fine but nothing new: no items, or only unchanged ones
PARTIAL = 4        # some items failed (or were only spooled), the rest were archived
ALARM = 5          # quality alarm: a site yielded nothing or dropped sharply (docs/quality.md)
LOCKED = 75        # EX_TEMPFAIL: another live run holds the site's lock; try later
