"""`access.can_see` (one transaction in hand) and `queries.visible_transactions` (lists) are
the same rule: check them against each other for every person and every kind of matter."""

from __future__ import annotations

import itertools

from wasl.registry import services
from wasl.registry.access import can_see
from wasl.registry.queries import visible_transactions

from ..conftest import make_transaction


def test_the_rule_for_one_transaction_agrees_with_the_rule_for_lists(cast):
    people = [
        cast.clerk,
        cast.head,
        cast.rights_clerk,
        cast.rights_head,
        cast.security_clerk,
        cast.executive,
        cast.auditor,
        cast.admin,
        cast.governor_office,
        cast.outsider,
    ]
    owners = [(cast.clerk, cast.registry), (cast.rights_clerk, cast.rights)]
    made = []
    for (by, unit), level, routed in itertools.product(
        owners, ["normal", "confidential", "top_secret"], [None, "rights", "security", "both"]
    ):
        txn = make_transaction(cast, by=by, unit=unit, confidentiality=level)
        targets = {
            None: [],
            "rights": [cast.rights],
            "security": [cast.security],
            "both": [cast.rights, cast.security],
        }[routed]
        targets = [t for t in targets if t.pk != unit.pk]
        if targets:
            services.refer(by.actor, txn.public_id, to_units=targets, instruction="للإفادة")
        made.append(txn)
    disagreements = []
    seen_any = set()
    for person in people:
        actor = person.actor
        listed = set(visible_transactions(actor).values_list("pk", flat=True))
        for txn in made:
            one = can_see(actor, txn)
            if one != (txn.pk in listed):
                disagreements.append((person.username, txn.confidentiality, txn.unit_id, one))
            if one:
                seen_any.add(person.username)
    assert disagreements == []
    # The matrix is not trivial: some see some, the outsider sees none.
    assert "outsider" not in seen_any and "governor_office" not in seen_any
    assert {"clerk", "rights_clerk", "security_clerk", "executive"} <= seen_any
