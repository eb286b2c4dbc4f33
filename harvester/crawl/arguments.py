"""Spider arguments (`-a NAME=VALUE`): a bad one is a usage message, never a traceback.

A spider class names the arguments it takes (`ARGUMENTS`) and how to call it (`USAGE`), and its
__init__ raises ArgumentError for what it cannot use. Scrapy builds a spider inside the running
engine, where an exception becomes a logged traceback and exit status 1; the project's `scrapy
crawl` and `scrapy check` (harvester/crawl/scrapy_commands/) build it once before, through
`check_arguments`, so Scrapy prints the message and exits with status 2.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy import Spider
from scrapy.exceptions import UsageError

from harvester.crawl.links import is_http_url


class ArgumentError(UsageError):
    """A missing, unknown or bad spider argument; the message says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, print_help=False)


def refuse_unknown(given: dict[str, object], known: Iterable[str]) -> None:
    """ArgumentError naming the arguments of `given` a spider does not take."""
    if given:
        raise ArgumentError(f"unknown argument {', '.join(sorted(given))} (it takes {', '.join(known)})")


def http_url(name: str, value: str) -> str:
    """`value` when it is an absolute http(s) URL, else ArgumentError naming the argument."""
    if not is_http_url(value):
        raise ArgumentError(f"{name}: not an absolute http(s) URL: {value!r}")
    return value


def one_of(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """`value` when it is one of `allowed`, else ArgumentError naming the argument."""
    if value not in allowed:
        raise ArgumentError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return value


def check_arguments(spidercls: type[Spider], given: dict[str, str]) -> None:
    """Build the spider from `given` once, so a bad argument stops the command with its usage line."""
    try:
        spidercls(**given)
    except ArgumentError as error:
        usage = getattr(spidercls, "USAGE", "")
        raise ArgumentError(f"{error}" + (f"\nusage: {usage}" if usage else "")) from None
