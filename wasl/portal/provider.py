"""The local OpenID Connect provider of the tests and the demo: `oidc-provider-mock` with the
demo region's citizens and residents, each one click away, nonces required.

    python -m wasl.portal.provider --port 8001

It stands in for the national single sign-on: authorisation-code flow, ID tokens signed with
its own RSA key (published at /jwks), end_session. Not for production (it signs in anyone
who types a subject); `make demo` starts it from the Procfile.
"""

from __future__ import annotations

import argparse
import json
import sys

from .people import DEMO_PEOPLE


def arguments(port: int, id_claim: str = "national_id", host: str = "127.0.0.1") -> list[str]:
    args = ["--port", str(port), "--host", host, "--require-nonce", "--no-refresh-token"]
    for person in DEMO_PEOPLE:
        args += ["--user-claims", json.dumps(person.claims(id_claim), ensure_ascii=False)]
    return args


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--id-claim", default="national_id")
    options = parser.parse_args(argv)
    from oidc_provider_mock.__main__ import run  # a test and demo dependency only

    run.main(
        args=arguments(options.port, options.id_claim, options.host), prog_name="wasl-provider"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
