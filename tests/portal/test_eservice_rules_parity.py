"""The rules of every demo service give the same verdict in the browser (the vendored
json-logic-js, in Chromium) as on the server (json-logic-modernized), for every answer a
rule can read: each option of a choice, a list of options, nothing, and both kinds of
applicant."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from wasl.portal.eservices import definitions, services
from wasl.portal.eservices.definitions import fields
from wasl.portal.eservices.rules import holds

LOGIC_JS = (
    Path(services.__file__).parent
    / "static"
    / "eservices"
    / "vendor"
    / "json-logic-js"
    / "logic.js"
)


def cases() -> list[tuple[Any, dict[str, Any]]]:
    with services.DEMO_FILE.open(encoding="utf-8") as f:
        demo = definitions.check_file(json.load(f))
    found = []
    for service in demo:
        by_key = {f["key"]: f for _, f in fields(service)}
        for rule in service.get("rules", []):
            names = sorted(set(definitions._variables(rule["when"])) - {"applicant.kind"})
            values = []
            for name in names:
                f = by_key[name]
                options = [o["value"] for o in f.get("options", [])] or ["x", 3]
                choices: list[Any] = [None, *options]
                if f.get("multiple"):
                    choices += [options, options[:1]]
                values.append(choices)
            for combo in itertools.product(*values):
                for kind in ("citizen", "resident"):
                    data: dict[str, Any] = {"applicant": {"kind": kind}}
                    data.update({k: v for k, v in zip(names, combo, strict=True) if v is not None})
                    found.append((rule["when"], data))
    return found


def test_browser_and_server_agree_on_every_demo_rule(chromium: Any) -> None:
    checks = cases()
    assert len(checks) > 50
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.set_content("<html><body></body></html>")
        page.add_script_tag(content=LOGIC_JS.read_text(encoding="utf-8"))
        browser = page.evaluate(
            "cases => cases.map(([rule, data]) => !!jsonLogic.apply(rule, data))",
            [[rule, data] for rule, data in checks],
        )
    finally:
        context.close()
    server = [holds(rule, data) for rule, data in checks]
    differ = [c for c, b, s in zip(checks, browser, server, strict=True) if b != s]
    assert not differ, differ[:5]
    assert any(server) and not all(server)  # the cases reach both verdicts
