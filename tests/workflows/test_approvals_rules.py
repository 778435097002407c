"""The approval engine's pure rules and the policy's, hand-worked: each decision rule with its quorum arithmetic
and abstentions, sequential tiers, mandatory approvers, every refusal a validator gives (segregation of duties
directly, through a delegation and on reassignment), routing, validation and blackout windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from workflows.approvals import (
    ABSTAIN,
    GATE_CHOICES,
    Actor,
    ApprovalBook,
    ApprovalRule,
    ApprovalTier,
    Candidates,
    Condition,
    DecideInput,
    Delegator,
    ProcessRef,
    RuleKind,
    Task,
    TaskActionInput,
    TaskSpec,
    TaskState,
    TimeoutAction,
    Vote,
    check_choice,
    counted_voters,
    evaluate,
    outcome_of,
    resolve_voter,
)
from workflows.policy import (
    MICROS,
    PMO_TYPES,
    BlackoutWindow,
    ChangeImpact,
    GateCriterion,
    blackouts_at,
    default_policy,
    route,
    validate,
)
from workflows.policy import (
    ApprovalRule as PolicyRule,
)

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
POS, NEG = ["APPROVE"], ["REJECT", "REQUEST_CHANGES"]
APPROVE, REJECT, CHANGES = "APPROVE", "REJECT", "REQUEST_CHANGES"


def vote(voter: str, choice: str, tier: int = 0, actor: str = "") -> Vote:
    return Vote(voter=voter, actor=actor or voter, on_behalf_of="" if not actor else voter, choice=choice,
                comment="", time=NOW, tier=tier)


def people(*names: str, kind: str = RuleKind.ANY, **kw) -> ApprovalTier:
    return ApprovalTier(Candidates(people=list(names)), kind, **kw)


def ev(tier: ApprovalTier, *votes: Vote) -> bool | None:
    return evaluate(tier, list(votes), POS, NEG)


# --- quorum arithmetic --------------------------------------------------------------------------


def test_any_the_first_decisive_vote_decides_abstentions_wait():
    tier = people("a", "b")
    assert ev(tier) is None
    assert ev(tier, vote("a", APPROVE)) is True
    assert ev(tier, vote("a", REJECT), vote("b", APPROVE)) is False
    assert ev(tier, vote("a", ABSTAIN)) is None
    assert ev(tier, vote("a", ABSTAIN), vote("b", APPROVE)) is True
    assert ev(tier, vote("a", ABSTAIN), vote("b", ABSTAIN)) is False  # everyone abstained: nobody approved
    # A role counts as one voter: its one abstention ends it.
    assert ev(ApprovalTier(Candidates(roles=["pmo"])), vote("p1", ABSTAIN)) is False


def test_all_every_counted_voter_approves_one_negative_decides():
    tier = people("a", "b", "c", kind=RuleKind.ALL)
    assert ev(tier, vote("a", APPROVE), vote("b", APPROVE)) is None
    assert ev(tier, vote("a", APPROVE), vote("b", APPROVE), vote("c", APPROVE)) is True
    assert ev(tier, vote("a", APPROVE), vote("b", CHANGES)) is False
    # An abstainer leaves the count: 2 of the 2 remaining approved.
    assert ev(tier, vote("a", APPROVE), vote("b", ABSTAIN), vote("c", APPROVE)) is True
    assert ev(tier, vote("a", ABSTAIN), vote("b", ABSTAIN), vote("c", ABSTAIN)) is False


def test_n_of_m_passes_at_n_and_fails_once_n_is_out_of_reach():
    tier = people("a", "b", "c", kind=RuleKind.N_OF_M, required=2)
    assert ev(tier, vote("a", APPROVE)) is None
    assert ev(tier, vote("a", APPROVE), vote("c", APPROVE)) is True
    assert ev(tier, vote("a", APPROVE), vote("b", REJECT)) is None  # 1 + 1 undecided can still make 2
    assert ev(tier, vote("a", REJECT), vote("b", REJECT)) is False  # 0 + 1 undecided < 2
    assert ev(tier, vote("a", APPROVE), vote("b", REJECT), vote("c", ABSTAIN)) is False  # 1 + 0 < 2


def test_n_of_m_over_a_role_counts_as_many_seats_as_needed_or_as_set():
    sponsors = ApprovalTier(Candidates(roles=["sponsor"]), RuleKind.N_OF_M, required=2)
    assert counted_voters(sponsors) == 2
    assert ev(sponsors, vote("s1", APPROVE)) is None
    assert ev(sponsors, vote("s1", APPROVE), vote("s2", APPROVE)) is True
    assert ev(sponsors, vote("s1", REJECT)) is False  # 0 + 1 seat left < 2
    seated = ApprovalTier(Candidates(roles=["sponsor"]), RuleKind.N_OF_M, required=2, seats=3)
    assert ev(seated, vote("s1", REJECT)) is None  # 0 + 2 seats left can still make 2


def test_counted_voters_people_plus_role_seats():
    assert counted_voters(people("a", "b")) == 2
    assert counted_voters(ApprovalTier(Candidates(roles=["pmo"], people=["a", "b"]))) == 3
    assert counted_voters(ApprovalTier(Candidates(roles=["pmo", "sponsor"]), RuleKind.N_OF_M, required=3)) == 3
    assert counted_voters(ApprovalTier(Candidates(roles=["pmo", "sponsor"]), RuleKind.ALL)) == 2
    assert counted_voters(ApprovalTier(Candidates(roles=["pmo"], people=["a"]), RuleKind.ALL, seats=4)) == 5


def test_percent_of_the_voters_who_did_not_abstain():
    tier = people("a", "b", "c", "d", "e", kind=RuleKind.PERCENT, percent=60)
    assert ev(tier, vote("a", APPROVE), vote("b", APPROVE), vote("c", APPROVE)) is True  # 300 >= 60 x 5
    # 2 approve, 2 against, 1 undecided: at best 3 of 5 = 60%: still open.
    assert ev(tier, vote("a", APPROVE), vote("b", APPROVE), vote("c", REJECT), vote("d", REJECT)) is None
    assert ev(tier, vote("a", APPROVE), vote("b", APPROVE), vote("c", REJECT), vote("d", REJECT),
              vote("e", REJECT)) is False
    half = people("a", "b", "c", "d", kind=RuleKind.PERCENT, percent=50)
    # b abstains: 1 of 3 = 33% < 50%, but 2 undecided could make 3 of 3.
    assert ev(half, vote("a", APPROVE), vote("b", ABSTAIN)) is None
    assert ev(half, vote("a", APPROVE), vote("b", ABSTAIN), vote("c", APPROVE)) is True  # 2 of 3
    assert ev(half, *(vote(p, ABSTAIN) for p in "abcd")) is False


def test_outcome_is_the_most_restrictive_positive_or_the_most_voted_negative():
    gate_pos = ["GO", "CONDITIONAL_GO"]
    assert outcome_of(True, [vote("a", "GO"), vote("b", "CONDITIONAL_GO")], gate_pos, ["KILL"]) == "CONDITIONAL_GO"
    assert outcome_of(True, [], POS, NEG) == APPROVE
    assert outcome_of(False, [vote("a", REJECT), vote("b", CHANGES)], POS, NEG) == REJECT  # tie: the first listed
    assert outcome_of(False, [vote("a", REJECT), vote("b", CHANGES), vote("c", CHANGES)], POS, NEG) == CHANGES
    assert outcome_of(False, [vote("a", ABSTAIN)], POS, NEG) == REJECT  # nobody approved


# --- tasks: tiers, mandatory approvers, refusals ------------------------------------------------

ALICE = Actor("alice", ["pm", "pmo"])  # the requester, who is also a pmo
BOB = Actor("bob", ["pmo"])
ERIN = Actor("erin", ["pmo"])
SUE = Actor("sue", ["sponsor"])
SAM = Actor("sam", ["sponsor"])
DAVE = Actor("dave", ["member"])
PM = Actor("paula", ["pm"])


def task(rule: ApprovalRule | None = None, candidates: Candidates | None = None, **kw) -> Task:
    spec = TaskSpec(key="approval", kind="CHANGE_APPROVAL", title="Change request", requester="alice",
                    candidates=candidates or Candidates(roles=["pmo"]), rule=rule or ApprovalRule(),
                    due_after_s=3600, **kw)
    ref = ProcessRef("acme", "apollo", "organizations/acme/changeRequests/cr1", "wf-1", 1)
    return Task(id="t1", spec=spec, ref=ref, created=NOW, due_time=NOW + timedelta(hours=1), reminder_times=[])


def book_of(t: Task) -> ApprovalBook:
    book = ApprovalBook()
    book.tasks[t.id] = t
    return book


def cast(book: ApprovalBook, t: Task, actor: Actor, choice: str) -> None:
    """What the decide handler does, without Temporal: resolve the voter, record the vote, advance the rule."""
    book.validate_decide(DecideInput(t.id, actor, choice))
    voter, on_behalf_of = resolve_voter(t, actor)
    t.votes.append(Vote(voter, actor.subject, on_behalf_of, choice, "", NOW, tier=t.tier))
    book._advance(t, NOW)


def refusal(call, *args) -> str:
    with pytest.raises(ApplicationError) as refused:
        call(*args)
    assert refused.value.non_retryable
    return refused.value.type


def test_tiers_pass_in_order_each_by_its_own_rule():
    rule = ApprovalRule(kind=RuleKind.TIERS, tiers=[
        ApprovalTier(Candidates(roles=["pmo"])),
        ApprovalTier(Candidates(roles=["sponsor"]), RuleKind.N_OF_M, required=2, seats=2)])
    t = task(rule)
    book = book_of(t)
    assert refusal(resolve_voter, t, SUE) == "NOT_A_CANDIDATE"  # sponsors wait for the pmo tier
    cast(book, t, BOB, APPROVE)
    assert (t.state, t.tier, t.history[-1].kind) == (TaskState.OPEN, 1, "TIER_PASSED")
    assert t.pending_approvers() == ["role:sponsor"]
    assert refusal(resolve_voter, t, ERIN) == "NOT_A_CANDIDATE"
    cast(book, t, SUE, APPROVE)
    assert t.is_open
    cast(book, t, SAM, APPROVE)
    assert (t.state, t.outcome) == (TaskState.DECIDED, APPROVE)


def test_a_negative_tier_ends_the_task():
    t = task(ApprovalRule(kind=RuleKind.TIERS, tiers=[ApprovalTier(Candidates(roles=["pmo"])),
                                                       ApprovalTier(Candidates(roles=["sponsor"]))]))
    cast(book_of(t), t, BOB, CHANGES)
    assert (t.state, t.outcome, t.tier) == (TaskState.DECIDED, CHANGES, 0)


def test_mandatory_approvers_must_approve_whatever_the_quorum():
    t = task(ApprovalRule(mandatory=["carl"]))
    book = book_of(t)
    carl = Actor("carl", ["viewer"])  # not a candidate by role: mandatory makes him one
    cast(book, t, BOB, APPROVE)
    assert t.is_open and "carl" in t.pending_approvers()
    cast(book, t, carl, APPROVE)
    assert (t.state, t.outcome) == (TaskState.DECIDED, APPROVE)

    vetoed = task(ApprovalRule(mandatory=["carl"]))
    cast(book_of(vetoed), vetoed, carl, REJECT)
    assert (vetoed.state, vetoed.outcome) == (TaskState.DECIDED, REJECT)


def test_a_mandatory_approver_must_approve_and_does_not_make_up_the_quorum():
    t = task(ApprovalRule(mandatory=["carl"]))
    book = book_of(t)
    cast(book, t, BOB, APPROVE)
    assert t.is_open and t.pending_approvers() == ["carl"]  # the rule is met; only carl is awaited now
    cast(book, t, Actor("carl", ["viewer"]), APPROVE)
    assert (t.state, t.outcome) == (TaskState.DECIDED, "APPROVE")


def test_a_mandatory_abstention_closes_the_task_unapproved():
    t = task(ApprovalRule(mandatory=["carl"]))
    book = book_of(t)
    cast(book, t, Actor("carl", ["viewer"]), ABSTAIN)
    assert (t.state, t.outcome) == (TaskState.DECIDED, "REJECT")  # carl can never approve now


def test_refusals_of_a_decision():
    t = task()
    assert refusal(resolve_voter, t, ALICE) == "SELF_APPROVAL"
    assert refusal(resolve_voter, t, DAVE) == "NOT_A_CANDIDATE"
    t.votes.append(vote("bob", APPROVE))
    assert refusal(resolve_voter, t, BOB) == "ALREADY_DECIDED"
    t.claimant = "erin"
    assert refusal(resolve_voter, t, Actor("frank", ["pmo"])) == "CLAIMED_BY_OTHER"
    assert resolve_voter(t, ERIN) == ("erin", "")
    t.state = TaskState.DECIDED
    assert refusal(resolve_voter, t, ERIN) == "TASK_CLOSED"
    assert refusal(book_of(t).validate_decide, DecideInput("nope", ERIN, APPROVE)) == "TASK_NOT_FOUND"


def test_delegations_act_for_the_delegator_but_never_on_their_own_request():
    t = task()
    carol = Delegator("carol", ["pmo"])
    # dave (a member) holds carol's approvals: he votes as carol.
    assert resolve_voter(t, Actor("dave", ["member"], [carol])) == ("carol", "carol")
    # bob is a candidate himself: he votes as himself first.
    assert resolve_voter(t, Actor("bob", ["pmo"], [carol])) == ("bob", "")
    # alice's own request: her delegate cannot approve it for her (segregation of duties).
    assert refusal(resolve_voter, t, Actor("dave", ["member"], [Delegator("alice", ["pmo"])])) == "SELF_APPROVAL"
    # ... though a delegate who is a candidate on his own account still may, as himself.
    assert resolve_voter(t, Actor("erin", ["pmo"], [Delegator("alice", ["pmo"])])) == ("erin", "")
    # Once carol's vote is cast (by dave), neither carol nor dave again.
    t.votes.append(vote("carol", APPROVE, actor="dave"))
    assert refusal(resolve_voter, t, Actor("carol", ["pmo"])) == "ALREADY_DECIDED"
    assert refusal(resolve_voter, t, Actor("dave", ["member"], [carol])) == "ALREADY_DECIDED"
    assert refusal(resolve_voter, t, Actor("gus", ["member"], [carol])) == "NOT_A_CANDIDATE"


def test_segregation_of_duties_holds_after_reassignment():
    t = task()
    book = book_of(t)
    assert refusal(book.validate_reassign, TaskActionInput(t.id, BOB, assignee="alice")) == "SELF_APPROVAL"
    t.assignee = "dave"
    assert resolve_voter(t, DAVE) == ("dave", "")
    assert refusal(resolve_voter, t, BOB) == "NOT_A_CANDIDATE"  # the role no longer decides
    # The assignee holding the requester's delegation still decides only as himself.
    assert resolve_voter(t, Actor("dave", ["member"], [Delegator("alice", ["pmo"])])) == ("dave", "")
    t.assignee = "alice"  # never reachable through validate_reassign; resolve_voter refuses anyway
    assert refusal(resolve_voter, t, ALICE) == "SELF_APPROVAL"


def test_choices_and_conditions_are_checked():
    t = task()
    assert refusal(check_choice, t, "MAYBE", []) == "INVALID_CHOICE"
    assert refusal(check_choice, t, APPROVE, [Condition("x")]) == "INVALID_ARGUMENT"
    gate = task(choices=list(GATE_CHOICES), positive=["GO", "CONDITIONAL_GO"], negative=["HOLD", "RECYCLE", "KILL"])
    assert refusal(check_choice, gate, "CONDITIONAL_GO", []) == "INVALID_ARGUMENT"
    assert refusal(check_choice, gate, "CONDITIONAL_GO", [Condition("  ")]) == "INVALID_ARGUMENT"
    check_choice(gate, "CONDITIONAL_GO", [Condition("Sign the contract", owner="bob", due_date="2027-04-01")])
    check_choice(gate, ABSTAIN, [])


def test_refusals_of_claim_release_and_reassign():
    t = task()
    book = book_of(t)
    assert refusal(book.validate_claim, TaskActionInput(t.id, ALICE)) == "SELF_APPROVAL"
    assert refusal(book.validate_claim, TaskActionInput(t.id, DAVE)) == "NOT_A_CANDIDATE"
    assert refusal(book.validate_release, TaskActionInput(t.id, BOB)) == "NOT_CLAIMANT"  # nothing claimed
    book.validate_claim(TaskActionInput(t.id, BOB))
    t.claimant, t.state = "bob", TaskState.CLAIMED
    assert refusal(book.validate_claim, TaskActionInput(t.id, ERIN)) == "CLAIMED_BY_OTHER"
    assert refusal(book.validate_claim, TaskActionInput(t.id, BOB)) == "NOT_ALLOWED"
    assert refusal(book.validate_release, TaskActionInput(t.id, PM)) == "NOT_CLAIMANT"
    book.validate_release(TaskActionInput(t.id, BOB))
    book.validate_release(TaskActionInput(t.id, ERIN))  # a pmo may release anyone's claim
    assert refusal(book.validate_reassign, TaskActionInput(t.id, PM, assignee="dave")) == "NOT_ALLOWED"
    assert refusal(book.validate_reassign, TaskActionInput(t.id, BOB, assignee=" ")) == "INVALID_ARGUMENT"
    t.votes.append(vote("erin", ABSTAIN))
    assert refusal(book.validate_reassign, TaskActionInput(t.id, BOB, assignee="erin")) == "ALREADY_DECIDED"
    named = book_of(task(candidates=Candidates(people=["bob", "erin"])))
    assert refusal(named.validate_claim, TaskActionInput("t1", BOB)) == "NOT_CLAIMABLE"
    t.state = TaskState.EXPIRED
    for validate_ in (book.validate_claim, book.validate_release, book.validate_reassign):
        assert refusal(validate_, TaskActionInput(t.id, BOB, assignee="dave")) == "TASK_CLOSED"


# --- policy: routing, validation, blackouts ------------------------------------------------------


def impact(budget_units: int = 0, days: int = 0, scope: bool = False) -> ChangeImpact:
    return ChangeImpact(budget_units * MICROS, days, scope)


def test_route_by_the_first_tier_the_impact_fits():
    policy = default_policy("TACTICAL")  # minor <= 10,000 and 5 days; major <= 100,000 and 30 days
    assert route(policy, "NORMAL", impact(10_000, 5)).id == "minor"
    assert route(policy, "NORMAL", impact(10_000, 6)).id == "major"
    assert route(policy, "NORMAL", impact(-20_000, -3)).id == "major"
    assert route(policy, "NORMAL", impact(1, 0, scope=True)).id == "major"
    assert route(policy, "NORMAL", impact(100_000, 31)).id == "critical"
    assert route(policy, "EMERGENCY", impact(10**9, 999)).id == "emergency"
    assert route(policy, "STANDARD", impact(1_000, 0), "small-budget-adjustment") is None
    with pytest.raises(ValueError, match="^catalogue_item: "):
        route(policy, "STANDARD", impact(1_001, 0), "small-budget-adjustment")
    with pytest.raises(ValueError, match="^catalogue_item: "):
        route(policy, "STANDARD", impact(0, 0, scope=True), "minor-date-shift")
    assert default_policy("STRATEGIC").change_tiers[0].candidates.roles == ["pmo", "sponsor"]
    assert route(default_policy("OPERATIONAL"), "NORMAL", impact(25_000, 0)).id == "minor"


@pytest.mark.parametrize("pmo_type", PMO_TYPES)
def test_the_defaults_are_valid(pmo_type):
    assert validate(default_policy(pmo_type)) == []


def violations(change) -> dict[str, str]:
    policy = default_policy()
    change(policy)
    return dict(validate(policy))


@pytest.mark.parametrize(("change", "path", "reason"), [
    (lambda p: setattr(p, "pmo_type", "GLOBAL"), "pmo_type", "must be one of"),
    (lambda p: setattr(p, "change_tiers", []), "change_tiers", "at least one tier"),
    (lambda p: setattr(p.change_tiers[2], "max_budget_delta_micros", 5), "change_tiers[2]", "no limits"),
    (lambda p: setattr(p.change_tiers[1], "id", "minor"), "change_tiers[1].id", "duplicate"),
    (lambda p: setattr(p.emergency, "on_timeout", TimeoutAction.AUTO_APPROVE), "emergency.on_timeout",
     "AUTO_APPROVE is allowed only"),
    (lambda p: setattr(p.change_tiers[0], "escalate_to", Candidates()), "change_tiers[0].escalate_to",
     "is required when on_timeout is ESCALATE"),
    (lambda p: setattr(p.change_tiers[0], "on_timeout", "LATER"), "change_tiers[0].on_timeout", "must be one of"),
    (lambda p: setattr(p.change_tiers[0], "due_s", 0), "change_tiers[0].due_duration", "must be positive"),
    (lambda p: (setattr(p.change_tiers[0], "candidates", Candidates(people=["a", "b"])),
                setattr(p.change_tiers[0], "rule", PolicyRule(kind=RuleKind.N_OF_M, required=3))),
     "change_tiers[0].rule.required", "3 approvals cannot come from 2 named people"),
    (lambda p: setattr(p.change_tiers[0], "rule", PolicyRule(kind=RuleKind.PERCENT, percent=0)),
     "change_tiers[0].rule.percent", "between 1 and 100"),
    (lambda p: setattr(p.change_tiers[0], "candidates", Candidates(roles=["boss"])),
     "change_tiers[0].candidates.roles[0]", "unknown role"),
    (lambda p: setattr(p.change_tiers[0], "candidates", Candidates()), "change_tiers[0].candidates",
     "name at least one role or person"),
    (lambda p: setattr(p.change_tiers[1], "rule", PolicyRule(kind=RuleKind.TIERS)), "change_tiers[1].rule.tiers",
     "at least one tier"),
    (lambda p: setattr(p.standard_catalogue[0], "max_schedule_delta_days", -1), "standard_catalogue[0]",
     "zero or more"),
    (lambda p: p.blackout_windows.append(BlackoutWindow("x", NOW, NOW)), "blackout_windows[0].end_time",
     "must be after start_time"),
    (lambda p: p.gate_criteria[0].criteria.append(GateCriterion("vibes")), "gate_criteria[0].criteria[3].id",
     "must be one of"),
    (lambda p: setattr(p.gate_criteria[0].criteria[1], "threshold", "two weeks"),
     "gate_criteria[0].criteria[1].threshold", "decimal number"),
    (lambda p: setattr(p, "task_sla_s", 0), "task_sla", "must be positive"),
])
def test_validation_names_the_field_to_fix(change, path, reason):
    found = violations(change)
    assert path in found, found
    assert reason in found[path]


def test_blackouts_cover_from_start_to_before_end_org_wide_or_per_project():
    policy = default_policy()
    policy.blackout_windows = [BlackoutWindow("org", NOW, NOW + timedelta(days=1)),
                               BlackoutWindow("zeus", NOW, NOW + timedelta(days=2), project="zeus")]
    assert [w.id for w in blackouts_at(policy, "apollo", NOW)] == ["org"]
    assert [w.id for w in blackouts_at(policy, "zeus", NOW)] == ["org", "zeus"]
    assert blackouts_at(policy, "apollo", NOW - timedelta(seconds=1)) == []
    assert blackouts_at(policy, "apollo", NOW + timedelta(days=1)) == []  # the end is exclusive
    assert [w.id for w in blackouts_at(policy, "zeus", NOW + timedelta(days=1))] == ["zeus"]
