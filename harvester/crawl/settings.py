"""THE Scrapy settings of harvester, for `scrapy crawl discovery` and `harvester crawl` alike.

Every override says Scrapy's default and why. Command-line `-s NAME=VALUE` (the runner's `settings=`)
still wins, e.g. tests on loopback switch the politeness delays off.
"""

# Imported here, first, for its cost: on import it names two deprecated classes with inspect.stack(), whose
# price grows with the stack's depth times the modules loaded; imported later, under our download handler
# (scrapy-playwright's, Playwright loaded), it cost a crawl process about 1.5 s of CPU.
import scrapy.core.downloader.contextfactory  # noqa: F401
from scrapy.settings import default_settings

from harvester import __version__
from harvester.config import archive_root

BOT_NAME = "harvester"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# Default none: our `scrapy crawl` and `scrapy check` turn a bad -a argument into a usage message (exit 2).
COMMANDS_MODULE = "harvester.crawl.scrapy_commands"
# Default {}: `@replica KIND PATH` makes a callback's sample request on the replica portal (`scrapy check`).
SPIDER_CONTRACTS = {"harvester.crawl.contracts.ReplicaContract": 10}

# --- politeness --------------------------------------------------------------------------
# Default "Scrapy/<version> (+https://scrapy.org)": say who we are and why, so a webmaster can reach us.
USER_AGENT = f"harvester/{__version__} (+https://github.com/harvester-archive/harvester; research archive of 政府信息公开年报)"
# Default False: a public archive must honour what sites ask of robots.
ROBOTSTXT_OBEY = True
# Default 8: government servers are small; two parallel requests per host at most.
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Default 0: at least one second between requests to the same host.
DOWNLOAD_DELAY = 1.0
# Default off: slow down further when the server slows down (never below DOWNLOAD_DELAY).
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0  # default 5.0: the fixed delay above already protects the first requests
AUTOTHROTTLE_MAX_DELAY = 60.0  # default 60.0 (kept, stated for readers)
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # default 1.0 (kept): one request in flight per host on average

# --- retries, limits ---------------------------------------------------------------------
# Default RetryMiddleware ignores Retry-After; ours waits what the server asks (up to the bound below).
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's OffsiteMiddleware (50) reads allowed_domains, ignores ports and drops redirects silently;
    # ours bounds every request (redirect hops and robots.txt too) to its site, host and port, and the
    # archive logs what it refuses. At 50 it runs before RobotsTxtMiddleware (100): an off-scope host
    # is not even asked for its robots.txt.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "harvester.crawl.scope.ScopeMiddleware": 50,
    # Scrapy's compression (590), meta refresh (580) and redirect (600) middlewares drop a response by
    # raising in process_response (a gzip bomb, too many hops), which no middleware sees: ours, at the
    # same places, hand it to the archive to log instead (harvester/crawl/failures.py).
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "harvester.crawl.failures.HttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "harvester.crawl.failures.MetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "harvester.crawl.failures.RedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "harvester.crawl.retry.RetryAfterMiddleware": 550,
    # A URL that redirected last time is asked where it led (the fetch log's redirects), before the
    # archive (540) picks the conditional headers of the URL actually asked (crawl/redirects.py).
    "harvester.crawl.redirects.KnownRedirectsMiddleware": 530,
    # process_response runs from high to low numbers: at 540 the archive sees the final response, after
    # RedirectMiddleware (600) has followed redirects and RetryAfterMiddleware (550) has retried; its
    # process_request runs after RobotsTxtMiddleware (100): disallowed URLs are never sent, only
    # logged (outcome "disallowed") through its process_exception.
    "harvester.crawl.archiving.ArchiveMiddleware": 540,
}
# Default on: Scrapy's UrlLengthMiddleware drops links longer than URLLENGTH_LIMIT without a trace;
# ScopeMiddleware refuses them instead, as an error row of the fetch log (and redirect hops too).
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None}
URLLENGTH_LIMIT = 2083  # default 2083 (kept, stated): what old browsers took; hostile pages print more
RETRY_TIMES = 3  # default 2: portals hiccup (500/502) more often than they fail for good
HARVESTER_RETRY_AFTER_MAX = 120.0  # ours: a server asking to wait longer is left for the next run
REDIRECT_MAX_TIMES = 5  # default 20: a report is never more than a few hops away; stop redirect loops early
DOWNLOAD_TIMEOUT = 60  # default 180 s: a report PDF on a slow portal still arrives well within a minute
DNS_TIMEOUT = 20  # default 60 s
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024  # default 1 GiB: annual reports are a few MB; scanned ones < 100 MB
DOWNLOAD_WARNSIZE = 30 * 1024 * 1024  # default 32 MiB: log unusually big files (likely scans or zips)

# --- the archive -------------------------------------------------------------------------
# Ours: where blobs, WARC files and archive.db live (default $HARVESTER_ARCHIVE or ./archive/data).
HARVESTER_ARCHIVE = str(archive_root())
# Default none: RunRecorder writes the archive.db `runs` row (start, end, status, stats) of each crawl;
# StartupHeapFreeze leaves the start-up objects out of the garbage collector's full passes (crawl/heap.py).
EXTENSIONS = {"harvester.crawl.archiving.RunRecorder": 500, "harvester.crawl.heap.StartupHeapFreeze": 900}
# Scrapy's own extensions but its telnet console and remote-control server (default on): listening ports are an
# attack surface on a scheduled crawler and collide when many crawls run at once (STACK.md pitfall 1). Left out
# of the base list, not set to None in EXTENSIONS: Scrapy imports every key of both lists, and the remote
# control's module imports aiohttp's client and server (~0.1 CPU s a crawl) even when it is disabled.
EXTENSIONS_BASE = {path: order for path, order in default_settings.EXTENSIONS_BASE.items()
                   if path.rpartition(".")[2] not in ("TelnetConsole", "RemoteControl")}
# JOBDIR (default unset) makes a paused crawl resumable: `-s JOBDIR=<dir>` (the runner's `jobdir=`).
# Default RFPDupeFilter trusts JOBDIR's seen file, which outlives a kill -9 that loses the queue: ours
# asks the fetch log what this run has done, so a resumed run always continues (crawl/resume.py).
DUPEFILTER_CLASS = "harvester.crawl.resume.ArchiveDupeFilter"
# Default Scrapy's Scheduler reads JOBDIR's disk queue whatever state a kill -9 left its files in (an
# empty one fails every push): ours reads it only when the crawl that wrote it closed it (crawl/resume.py).
SCHEDULER = "harvester.crawl.resume.ArchiveScheduler"
# Without it a re-run still loses nothing: the fetch log turns repeats into cheap conditional requests.

# --- browser rendering (only for requests with meta playwright=True) ---------------------
# Default: plain HTTP handlers. scrapy-playwright passes requests without meta["playwright"] to them,
# so only JavaScript-built list pages use Chromium; documents are never fetched through the browser.
# Ours subclasses scrapy-playwright's to obey robots.txt Crawl-delay / Request-rate at send time: Scrapy's
# RobotsTxtMiddleware reads only Allow/Disallow, and slot delays have jitter and vary with AutoThrottle
# (crawl/politeness.py); and sends what Chromium itself asks for (pictures, scripts, redirects inside
# the browser) through a gate that keeps it on the page's site and its Crawl-delay (crawl/browser_scope.py).
DOWNLOAD_HANDLERS = {
    "http": "harvester.crawl.browser_scope.ScopedBrowserHandler",
    "https": "harvester.crawl.browser_scope.ScopedBrowserHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# `playwright install` cannot download browsers here: use Debian's chromium (STACK.md pitfall 2).
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ],
}
PLAYWRIGHT_MAX_CONTEXTS = 1  # default unlimited: one context is enough for a few list pages
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2  # default CONCURRENT_REQUESTS: match the per-host concurrency
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000  # default 30 s in Playwright (kept, stated): bounded renders

# --- engine ------------------------------------------------------------------------------
# Default 100: under the asyncio reactor each response starts this many tasks to process what its callback
# yields (Scrapy 2.13+). Ours yield a few requests and at most one small item, with no item pipeline to wait
# for; 100 tasks a response cost the benchmark's crawl about a millisecond of CPU a page (crawl_bench.py).
CONCURRENT_ITEMS = 8
# Default since Scrapy 2.7 (kept, stated): scrapy-playwright needs the asyncio reactor.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"  # default DEBUG: one line per request drowns the runner's progress output
