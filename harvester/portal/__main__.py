"""`python -m harvester.portal [--port N] [--large PAGES]`: serve the replica portal until interrupted."""

from __future__ import annotations

import argparse
import time

from harvester.portal import start_portal


def main() -> None:
    """Start the portal, print its columns, serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--root", help="published report files folder (default: the package's seeds/)")
    parser.add_argument("--large", type=int, default=0, help="also generate a column of about this many pages")
    args = parser.parse_args()
    portal = start_portal(args.root, args.port)
    print(f"replica portal on {portal.url}")
    for name, url in portal.columns.items():
        print(f"  {name}: {url}")
    if args.large:
        print(f"  large: {portal.generate_large(args.large)}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        portal.stop()


if __name__ == "__main__":
    main()
