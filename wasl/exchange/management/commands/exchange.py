"""`wasl exchange …`: the node, its members and keys, the outbox, verification and proofs.
(`wasl worker` delivers the outbox.)

    wasl exchange setup --node EMK-NODE --url https://wasl.emk.example [--entity EMK …|--all]
    wasl exchange keys list|rotate ENTITY|rotate --all|revoke ENTITY KEY_ID --reason …
    wasl exchange keys export [ENTITY …] [-o FILE]     # public keys only
    wasl exchange keys import FILE … | --url https://peer
    wasl exchange members list|join ENTITY|revoke ENTITY --reason …
    wasl exchange nodes list|set-url NODE URL
    wasl exchange status | retry [MESSAGE_ID …]
    wasl exchange verify
    wasl exchange export-proof MESSAGE_ID [-o FILE]

No output of these commands ever holds a private key.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from wasl.core.errors import WaslError
from wasl.directory.models import Entity, Unit

from ... import delivery, log, members, proofs
from ...models import DeliveryState, IncomingMessage, Member, MemberKey, Node, OutgoingMessage


class Command(BaseCommand):
    help = "Wasl exchange between entities and nodes: setup, keys, verify, proofs (`wasl worker` delivers)."
    # The checks import every URL and API module: seconds at each start.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        setup = sub.add_parser("setup", help="Name this node and make entities members")
        setup.add_argument("--node", required=True, help="This node's code, e.g. EMK-NODE")
        setup.add_argument("--url", default="", help="Where peers reach /exchange/v1/")
        setup.add_argument("--entity", action="append", default=[], help="Entity code (repeat)")
        setup.add_argument(
            "--all", action="store_true", help="Every active entity with a registry unit"
        )

        keys = sub.add_parser("keys", help="Members' keys")
        keys_sub = keys.add_subparsers(dest="keys_action", required=True)
        keys_list = keys_sub.add_parser("list")
        keys_list.add_argument("entity", nargs="?")
        rotate = keys_sub.add_parser("rotate")
        rotate.add_argument("entity", nargs="?")
        rotate.add_argument("--all", action="store_true")
        revoke = keys_sub.add_parser("revoke")
        revoke.add_argument("entity")
        revoke.add_argument("key_id")
        revoke.add_argument("--reason", required=True)
        export = keys_sub.add_parser("export", help="This node's members and public keys")
        export.add_argument("entity", nargs="*")
        export.add_argument("-o", "--output")
        imp = keys_sub.add_parser("import", help="Another node's descriptor")
        imp.add_argument("files", nargs="*")
        imp.add_argument("--url", action="append", default=[], help="Fetch from a peer node")

        mem = sub.add_parser("members", help="The directory of members")
        mem_sub = mem.add_subparsers(dest="members_action", required=True)
        mem_sub.add_parser("list")
        join = mem_sub.add_parser("join")
        join.add_argument("entity")
        join.add_argument("--inbox-unit", help="Unit code (default: its registry unit)")
        mrevoke = mem_sub.add_parser("revoke")
        mrevoke.add_argument("entity")
        mrevoke.add_argument("--reason", required=True)

        nodes = sub.add_parser("nodes", help="Nodes of the directory")
        nodes_sub = nodes.add_subparsers(dest="nodes_action", required=True)
        nodes_sub.add_parser("list")
        set_url = nodes_sub.add_parser("set-url")
        set_url.add_argument("node")
        set_url.add_argument("url")

        sub.add_parser("status", help="Outbox and inbox counts")
        retry = sub.add_parser("retry", help="Make pending (or the named failed) messages due now")
        retry.add_argument("message_ids", nargs="*")
        sub.add_parser(
            "verify", help="Check the log's chains, heads and signatures, and the outbox and inbox"
        )
        proof = sub.add_parser("export-proof", help="A message's proof bundle (JSON)")
        proof.add_argument("message_id")
        proof.add_argument("-o", "--output")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(options)
        except WaslError as error:
            raise CommandError(f"{error.code}: {error.message_en} — {error.message_ar}") from None

    # -- setup ---------------------------------------------------------------------------------

    def do_setup(self, options: dict[str, Any]) -> None:
        node = members.init_node(options["node"], options["url"])
        codes = list(options["entity"])
        if options["all"]:
            codes += list(
                Entity.objects.filter(
                    is_active=True, units__is_registry=True, units__is_active=True
                )
                .distinct()
                .values_list("code", flat=True)
            )
        for code in dict.fromkeys(codes):
            entity = Entity.objects.filter(code=code).first()
            if entity is None:
                raise CommandError(f"no entity {code!r}")
            member, created = members.join(entity)
            self.stdout.write(f"{'joined' if created else 'member'} {member.code} on {node.code}")
        self.stdout.write(f"node {node.code} {node.base_url or '(no URL)'}")

    # -- keys ----------------------------------------------------------------------------------

    def do_keys(self, options: dict[str, Any]) -> None:
        action = options["keys_action"]
        if action == "list":
            qs = MemberKey.objects.select_related("member").order_by("member__code", "valid_from")
            if options["entity"]:
                qs = qs.filter(member__code=options["entity"])
            for key in qs:
                state = "revoked" if key.revoked_at else "retired" if key.valid_until else "current"
                self.stdout.write(
                    f"{key.member.code:<14} {key.key_id} {state:<8} from {key.valid_from:%Y-%m-%d %H:%M}"
                    f"{' until ' + format(key.valid_until, '%Y-%m-%d %H:%M') if key.valid_until else ''}"
                    f" {'private key held here' if key.sealed_private_key else 'public only'}"
                )
        elif action == "rotate":
            codes = (
                list(
                    Member.objects.filter(node__is_self=True, is_active=True).values_list(
                        "code", flat=True
                    )
                )
                if options["all"]
                else [options["entity"]]
            )
            if not codes or codes == [None]:
                raise CommandError("name an entity or --all")
            for code in codes:
                key = members.rotate_key(code)
                self.stdout.write(f"{code}: new key {key.key_id}")
        elif action == "revoke":
            key = members.revoke_key(options["entity"], options["key_id"], options["reason"])
            self.stdout.write(f"{options['entity']}: key {key.key_id} revoked")
        elif action == "export":
            data = json.dumps(
                members.export_descriptor(options["entity"] or None), ensure_ascii=False, indent=2
            )
            if options["output"]:
                with open(options["output"], "w", encoding="utf-8") as handle:
                    handle.write(data + "\n")
            else:
                self.stdout.write(data)
        elif action == "import":
            sources: list[Any] = []
            for name in options["files"]:
                with open(name, encoding="utf-8") as handle:
                    sources.append(json.load(handle))
            for url in options["url"]:
                target = url.rstrip("/") + "/exchange/v1/members"
                with urllib.request.urlopen(target, timeout=30) as response:  # noqa: S310 — an operator's URL
                    sources.append(json.loads(response.read(16 * 1024 * 1024)))
            if not sources:
                raise CommandError("give descriptor files or --url")
            for data in sources:
                counts = members.import_descriptor(data)
                self.stdout.write(
                    f"imported {data['node']['code']}: {counts['members']} members, "
                    f"{counts['keys_added']} new keys, {counts['keys_revoked']} revoked keys, "
                    f"{counts['members_revoked']} revoked members"
                )

    # -- members and nodes ---------------------------------------------------------------------

    def do_members(self, options: dict[str, Any]) -> None:
        action = options["members_action"]
        if action == "list":
            for m in Member.objects.select_related("node").order_by("code"):
                self.stdout.write(
                    f"{m.code:<14} {m.node.code:<14} {'here' if m.node.is_self else 'remote':<6} "
                    f"{'active' if m.is_active else 'revoked'}"
                )
        elif action == "join":
            entity = Entity.objects.filter(code=options["entity"]).first()
            if entity is None:
                raise CommandError(f"no entity {options['entity']!r}")
            unit = None
            if options["inbox_unit"]:
                unit = Unit.objects.filter(entity=entity, code=options["inbox_unit"]).first()
                if unit is None:
                    raise CommandError(f"no unit {options['inbox_unit']!r} in {entity.code}")
            member, created = members.join(entity, inbox_unit=unit)
            self.stdout.write(f"{'joined' if created else 'member'} {member.code}")
        elif action == "revoke":
            member = members.revoke_member(options["entity"], options["reason"])
            self.stdout.write(f"{member.code}: membership revoked")

    def do_nodes(self, options: dict[str, Any]) -> None:
        if options["nodes_action"] == "list":
            for node in Node.objects.annotate(n=Count("members")).order_by("code"):
                self.stdout.write(
                    f"{node.code:<14} {'self' if node.is_self else 'peer':<5} {node.n:>4} members  {node.base_url}"
                )
        else:
            node = Node.objects.filter(code=options["node"]).first()
            if node is None:
                raise CommandError(f"no node {options['node']!r}")
            if node.is_self:
                members.init_node(node.code, options["url"])
            else:
                node.base_url = members.check_url(options["url"])
                node.save(update_fields=["base_url", "updated_at"])
            self.stdout.write(f"{node.code}: {options['url']}")

    # -- delivery --------------------------------------------------------------------------------

    def do_status(self, options: dict[str, Any]) -> None:
        out = dict(
            OutgoingMessage.objects.values_list("state")
            .annotate(n=Count("id"))
            .values_list("state", "n")
        )
        self.stdout.write(
            "outbox: " + ", ".join(f"{state} {out.get(state, 0)}" for state in DeliveryState.values)
        )
        self.stdout.write(f"inbox: {IncomingMessage.objects.count()} accepted")
        due = delivery.next_due_in()
        if due is not None:
            self.stdout.write(f"next attempt in {due:.1f} s")

    def do_retry(self, options: dict[str, Any]) -> None:
        count = delivery.retry_now(options["message_ids"] or None)
        self.stdout.write(f"{count} message(s) due now")

    # -- proof ---------------------------------------------------------------------------------

    def do_verify(self, options: dict[str, Any]) -> None:
        report = log.verify_all()
        for note in report.notes or []:
            self.stdout.write(f"note: {note}")
        if not report.ok:
            for problem in report.problems or []:
                self.stderr.write(f"TAMPERED: {problem}")
            raise CommandError(
                f"exchange log verification failed: {len(report.problems or [])} problem(s)"
            )
        self.stdout.write(
            f"exchange log OK: {report.entries} records in their chains, "
            f"{report.signatures} signatures verified"
        )

    def do_export_proof(self, options: dict[str, Any]) -> None:
        data = proofs.bundle(proofs.find(options["message_id"]))
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stdout.write(f"proof of {options['message_id']} written to {options['output']}")
        else:
            sys.stdout.write(text + "\n")
