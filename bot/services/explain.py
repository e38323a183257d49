"""What the policy would do with a request, in words (``regbot policy explain``), and each
registry's rules in one line (``regbot check-config``). Pure: no Slack, no Redis, no IONOS —
user-group membership cannot be checked here, so a rule open to groups says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.models import Action, RepoScope, strongest_action
from bot.policy.fields import USER_ID_RE
from bot.policy.model import AutoApproveRule, Policy, RegistryPolicy, format_duration
from bot.services.selfservice import misfit


@dataclass(frozen=True)
class Question:
    registry: str
    user: str
    actions: tuple[Action, ...]
    days: int
    repository: str = "*"


def summary(rules: RegistryPolicy) -> str:
    """One line: who approves where, quorum, expiry, self-service, break-glass, escalation."""
    q = rules.quorum
    auto = "; ".join(r.summary() for r in rules.auto_approve) or "none"
    glass = rules.break_glass
    glass_words = f"{glass.max_hours}h, alerts {glass.notify_channel}" if glass else "closed"
    esc = rules.escalation
    esc_words = (
        f"after {format_duration(esc.after)} to {', '.join(esc.approvers)}"
        f"{f' in {esc.channel}' if esc.channel else ''}"
        if esc
        else "none"
    )
    return (
        f"approvers {', '.join(rules.approvers)} in {rules.approval_channel}; "
        f"quorum pull {q.pull}/push {q.push}/delete {q.delete}; "
        f"expiry <= {rules.max_expiry_days}d; auto_approve: {auto}; "
        f"break-glass: {glass_words}; escalation: {esc_words}"
    )


def _requester_words(rule: AutoApproveRule, user: str) -> tuple[bool | None, str]:
    """(fits, words): True/False when known offline, None when it depends on a user group."""
    if not rule.requesters:
        return True, ""
    if user in rule.requesters:
        return True, ""
    groups = [r for r in rule.requesters if not USER_ID_RE.match(r)]
    if not groups:
        return False, f"{user} is not among its requesters ({', '.join(rule.requesters)})"
    return None, f"only if {user} is a member of {', '.join(groups)} (checked in Slack)"


def explain(policy: Policy, question: Question, now: datetime) -> list[str]:
    """The lines `regbot policy explain` prints."""
    if not policy.governs(question.registry):
        return [f"{question.registry}: no approvers are configured: every request is refused."]
    rules = policy.for_registry(question.registry)
    scopes = [RepoScope(repository=question.repository, actions=frozenset(question.actions))]
    verbs = ", ".join(a.value for a in sorted(question.actions, key=lambda a: a.power))
    lines = [
        f"Request by {question.user} on {question.registry}: {verbs} on "
        f"{question.repository}, expiring in {question.days} days."
    ]
    lines.append(f"Expiry: at most {rules.max_expiry_days} days on {question.registry}.")
    if question.days > rules.max_expiry_days:
        lines.append(f"Refused by the form: {question.days} days is longer than that.")
        return [*lines, _break_glass_line(rules)]
    expiry = now + timedelta(days=question.days)
    maybe: list[str] = []  # why the approvers may still be asked after a rule that fits
    decided = False
    for rule in rules.auto_approve:
        why_not = misfit(rule, scopes, expiry, now)
        fits, words = (False, why_not) if why_not else _requester_words(rule, question.user)
        if fits is False:
            lines.append(f"Rule {rule.name}: does not fit: {words}.")
            continue
        cap = rule.per_user_per_day
        capped = f" (at most {cap} a day for {question.user})" if cap else ""
        over = f"it is past the cap of {cap} today" if cap else ""
        if fits is None:
            lines.append(f"Rule {rule.name}: approves it at once{capped}, {words}.")
            maybe += [f"{question.user} is not in the group", *filter(None, [over])]
            continue
        lines.append(f"Rule {rule.name}: approves it at once, no approver needed{capped}.")
        decided, maybe = True, [over] if over else []  # a later rule is never reached
        break
    if not rules.auto_approve:
        lines.append("No self-service rules (auto_approve) on this registry.")
    if not decided or maybe:
        needed = rules.quorum_for(scopes)
        lead = f"Otherwise (if {' or '.join(maybe)}): a" if maybe else "A"
        lines.append(
            f"{lead}pprovers decide: {needed} approval{'s' if needed > 1 else ''} needed "
            f"(quorum for {strongest_action(scopes).value}) from {', '.join(rules.approvers)}, "
            f"asked in {rules.approval_channel}; {question.user} cannot approve it."
        )
        esc = rules.escalation
        if esc is not None:
            where = esc.channel or rules.approval_channel
            lines.append(
                f"Escalation: undecided after {format_duration(esc.after)}, "
                f"{', '.join(esc.approvers)} are asked in {where} and may decide it too."
            )
        else:
            lines.append("Escalation: none.")
    return [*lines, _break_glass_line(rules)]


def _break_glass_line(rules: RegistryPolicy) -> str:
    glass = rules.break_glass
    if glass is None:
        return f"Break-glass: closed on {rules.name}."
    return (
        f"Break-glass: open: self-approved, at most {glass.max_hours} hours, alerts "
        f"{glass.notify_channel}, reviewed by the approvers afterwards."
    )
