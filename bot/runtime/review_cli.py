"""``regbot review report --registry R [--campaign ID] --format csv|jsonl``: the evidence of
access reviews, one row per (campaign, token): owner, decision or "not reviewed", reviewer,
note, when.

Reads ``REDIS_URL`` and ``REGBOT_NAMESPACE`` like ``regbot audit``. Exit codes: 0 printed,
1 nothing to print (no campaign for that registry), 2 Redis unreachable or a bad argument.
Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) get a
leading ``'`` in CSV: notes are typed by people.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys

from bot.domain.errors import InvalidInput
from bot.runtime.audit_cli import with_redis
from bot.services.review_report import COLUMNS, review_rows
from bot.store.reviews import ReviewStore

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def report_command(args: argparse.Namespace) -> int:
    registry: str = args.registry
    campaign: str | None = args.campaign
    fmt: str = args.format

    async def report(store: ReviewStore) -> int:
        try:
            rows = await review_rows(store, registry, campaign)
        except InvalidInput as exc:
            print(f"regbot review report: {exc.user_message}", file=sys.stderr)
            return 2
        if not rows and not await store.campaigns_of(registry):
            print(f"regbot review report: no review campaign for {registry}", file=sys.stderr)
            return 1
        if fmt == "csv":
            writer = csv.writer(sys.stdout)
            writer.writerow(COLUMNS)
            for row in rows:
                values = row.as_dict()
                writer.writerow([_cell(values[c]) for c in COLUMNS])
        else:
            for row in rows:
                sys.stdout.write(json.dumps(row.as_dict(), ensure_ascii=False) + "\n")
        return 0

    return asyncio.run(with_redis(lambda redis, keys: report(ReviewStore(redis, keys))))
