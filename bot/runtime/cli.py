"""The `regbot` command line: the composition root's front door.

Each subcommand is a small function in its own module, imported only when used, so that
`regbot fake-ionos` does not need Slack settings and `regbot audit verify` needs only Redis.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

DEVTOOLS = "bot.devtools"


def _lazy(target: str) -> Callable[[argparse.Namespace], int]:
    module_name, func_name = target.split(":")

    def run(args: argparse.Namespace) -> int:
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith(DEVTOOLS):
                raise
            # an image or package built without the development tools (bot/devtools)
            print(
                f"regbot: `{args.command}` is a development tool, not installed in this build "
                f"({DEVTOOLS} is missing); install regbot from source (pip install .) for it",
                file=sys.stderr,
            )
            return 2
        func: Callable[[argparse.Namespace], int] = getattr(module, func_name)
        return func(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _running(sub)
    _records(sub)
    _dev_tools(sub)
    return parser


def _running(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """serve, check-config."""
    serve = sub.add_parser(
        "serve", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)"
    )
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default $PORT or 3000)")
    serve.set_defaults(run=_lazy("bot.runtime.serve:serve_command"))

    check = sub.add_parser(
        "check-config", help="validate settings and policy, check Slack, IONOS and Redis"
    )
    check.set_defaults(run=_lazy("bot.runtime.check_config:check_config_command"))


def _records(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """audit, review, sweep, policy: what operators run against Redis and the policy."""
    audit = sub.add_parser("audit", help="export or verify the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    export = audit_sub.add_parser("export", help="print audit entries")
    export.add_argument("--since", default=None, help="ISO date-time or duration like 24h, 7d")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.set_defaults(run=_lazy("bot.runtime.audit_cli:export_command"))
    verify = audit_sub.add_parser("verify", help="check the audit hash chain")
    verify.set_defaults(run=_lazy("bot.runtime.audit_cli:verify_command"))

    review = sub.add_parser("review", help="access reviews: the evidence for auditors")
    review_sub = review.add_subparsers(dest="review_command", required=True)
    report = review_sub.add_parser(
        "report", help="per campaign and token: owner, decision, reviewer, note, when"
    )
    report.add_argument("--registry", required=True, help="the registry's name")
    report.add_argument("--campaign", default=None, help="one campaign's id (default: all)")
    report.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    report.set_defaults(run=_lazy("bot.runtime.review_cli:report_command"))

    sweep = sub.add_parser("sweep", help="run the expiry sweep (reminders, digest) without serving")
    sweep.add_argument("--once", action="store_true", help="one sweep, then exit (for cron)")
    sweep.add_argument(
        "--lock-ttl", type=float, default=60.0, help="seconds the sweep lock lives unrenewed"
    )
    sweep.set_defaults(run=_lazy("bot.runtime.sweep:sweep_command"))

    policy = sub.add_parser("policy", help="what the policy file would do")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    explain = policy_sub.add_parser("explain", help="what would happen to such a request")
    explain.add_argument("--registry", required=True)
    explain.add_argument("--user", required=True, help="Slack user id, e.g. U0123ABCDEF")
    explain.add_argument("--actions", required=True, help="e.g. pull or pull,push")
    explain.add_argument("--days", required=True, type=int, help="expiry, in days from now")
    explain.add_argument("--repository", default="*", help="default: * (every repository)")
    explain.add_argument("--policy", default=None, help="default: $REGBOT_POLICY or policy.yml")
    explain.set_defaults(run=_lazy("bot.runtime.policy_cli:explain_command"))


def _dev_tools(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The stand-ins and the demo (bot/devtools, loaded only when run)."""
    fake = sub.add_parser("fake-ionos", help="run the local IONOS Container Registry stand-in")
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--port", type=int, default=8080)
    fake.add_argument("--seed", default=None, help="YAML or JSON file of registries and tokens")
    fake.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    fake.add_argument("--rate-limit", type=float, default=None, help="requests per second")
    fake.set_defaults(run=_lazy("bot.devtools.ionos:run_cli"))

    slack = sub.add_parser(
        "fake-slack", help="run the local Slack stand-in (Web API and Socket Mode, with /try)"
    )
    _slack_arguments(slack)
    slack.set_defaults(run=_lazy("bot.devtools.slack_cli:run_cli"))

    demo = sub.add_parser("demo", help="play the whole story locally on embedded defaults")
    demo.set_defaults(run=_lazy("bot.devtools.demo:demo_command"))


def _slack_arguments(parser: argparse.ArgumentParser) -> None:
    """``fake-slack``'s options, declared here so that ``--help`` works without the devtools."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--bot-token", default="xoxb-fake", help="the bot token it accepts")
    parser.add_argument(
        "--app-token", default="xapp-1-A0FAKE-1-fake", help="the app-level token it accepts"
    )
    parser.add_argument(
        "--bot-url", default=None, help="HTTP mode: /try drives the bot at this URL, signed"
    )
    parser.add_argument("--signing-secret", default="fake-signing-secret")
    parser.add_argument(
        "--public-url", default=None, help="how the bot reaches it (default http://HOST:PORT)"
    )
    parser.add_argument(
        "--ack-timeout", type=float, default=3.0, help="seconds before an envelope is redelivered"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
