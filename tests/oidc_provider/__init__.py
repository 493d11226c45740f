"""A real OpenID provider for the single sign-on tests (django-oidc-provider: discovery,
authorisation code flow, token endpoint, userinfo, JWKS, RS256-signed id_tokens), started in a
process of its own with its own SQLite database. `running()` starts it and says how Tollgate
must be configured to use it."""

import json
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "tollgate", "test-client-secret"
PASSWORD = "provider-pass-2026"
PROVIDER_NAME = "Test IdP"
ROLE_MAP = {
    "it-pmo": ["PMO"],
    "it-sponsors": ["Sponsors"],
    "it-project-managers": ["Project managers"],
    "it-stakeholders": ["Viewers"],
}


def someone(username: str, first_name: str, last_name: str, *groups: str) -> dict[str, Any]:
    return {
        "username": username,
        "password": PASSWORD,
        "first_name": first_name,
        "last_name": last_name,
        "email": f"{username}@example.org",
        "groups": list(groups),
    }


@dataclass
class Provider:
    url: str
    discovery: dict[str, Any]
    log: Path  # its stderr: each request it answered, one line each

    def settings(self) -> dict[str, Any]:
        """Tollgate's settings for this provider, its endpoints read from its discovery
        document, as an administrator would copy them into the environment."""
        return {
            "OIDC_ENABLED": True,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.discovery["authorization_endpoint"],
            "OIDC_OP_TOKEN_ENDPOINT": self.discovery["token_endpoint"],
            "OIDC_OP_USER_ENDPOINT": self.discovery["userinfo_endpoint"],
            "OIDC_OP_JWKS_ENDPOINT": self.discovery["jwks_uri"],
            "OIDC_RP_SCOPES": "openid email profile groups",
            "OIDC_PROVIDER_NAME": PROVIDER_NAME,
            "OIDC_ROLE_MAP": ROLE_MAP,
        }


@contextmanager
def running(*, redirect_uris: list[str], people: list[dict], folder: Path) -> Iterator[Provider]:
    client = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    client["redirect_uris"] = redirect_uris
    log = folder / "provider.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.oidc_provider.serve",
                str(folder / "provider.sqlite3"),
                json.dumps(client),
                json.dumps(people),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            ready, _, _ = select.select([process.stdout], [], [], 120)
            port = process.stdout.readline().strip() if ready else ""
            if not port.isdigit():
                raise RuntimeError(f"The test OpenID provider did not start:\n{log.read_text()}")
            url = f"http://127.0.0.1:{port}"
            discovery = requests.get(f"{url}/.well-known/openid-configuration", timeout=30)
            discovery.raise_for_status()
            yield Provider(url=url, discovery=discovery.json(), log=log)
        finally:
            process.terminate()
            process.wait(timeout=30)


def switch_on(settings: Any, provider: Provider) -> None:
    """Single sign-on on, as the environment turns it on (config/settings.py), through
    pytest-django's `settings` fixture: the live server's thread sees it too."""
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    backends = list(settings.AUTHENTICATION_BACKENDS)
    settings.AUTHENTICATION_BACKENDS = [backends[0], "projects.oidc.OIDCBackend", *backends[1:]]
