"""`regbot policy explain`: what the policy file would do with a request, in words.

Reads only the policy file (``--policy``, else ``REGBOT_POLICY``, else ``policy.yml``): no
Slack, IONOS or Redis settings are needed.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.models import REPOSITORY_RE, Action
from bot.policy.model import Policy, PolicyError
from bot.services.explain import Question, explain


def parse_actions(text: str) -> tuple[Action, ...] | None:
    try:
        return tuple(dict.fromkeys(Action(a.strip()) for a in text.split(",") if a.strip()))
    except ValueError:
        return None


def explain_command(args: argparse.Namespace) -> int:
    path = Path(args.policy or os.environ.get("REGBOT_POLICY") or "policy.yml")
    try:
        policy = Policy.load(path)
    except PolicyError as exc:
        print(f"regbot: {exc}", file=sys.stderr)
        return 2
    actions = parse_actions(args.actions)
    if not actions:
        print(
            f"regbot: --actions: {args.actions!r} is not pull, push, delete separated by commas",
            file=sys.stderr,
        )
        return 2
    if args.days < 1:
        print("regbot: --days: at least 1", file=sys.stderr)
        return 2
    if not REPOSITORY_RE.match(args.repository):
        print(f"regbot: --repository: {args.repository!r} is not a repository", file=sys.stderr)
        return 2
    question = Question(args.registry, args.user, actions, args.days, args.repository)
    for line in explain(policy, question, datetime.now(UTC)):
        print(line)
    return 0
