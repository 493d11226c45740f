"""Runs the test OpenID provider: `python -m tests.oidc_provider.serve DB CLIENT_JSON PEOPLE_JSON`.

Migrates its SQLite file, makes its RSA signing key, registers the client (id, secret,
redirect URI; consent asked every time) and the people (username, password, names, e-mail,
groups), then serves on a free port of 127.0.0.1 and prints that port on its first line."""

import io
import json
import os
import sys


def main(database: str, client: str, people: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    os.environ["OIDC_PROVIDER_DB"] = database
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey", stdout=io.StringIO())  # the first line out is the port
    settings = json.loads(client)
    registered = Client.objects.create(
        name="Tollgate",
        client_type="confidential",
        client_id=settings["client_id"],
        client_secret=settings["client_secret"],
        jwt_alg="RS256",
        require_consent=True,
        reuse_consent=False,
    )
    registered.redirect_uris = settings["redirect_uris"]
    registered.save()
    registered.response_types.add(ResponseType.objects.get(value="code"))
    for someone in json.loads(people):
        user = User.objects.create_user(
            someone["username"],
            email=someone["email"],
            password=someone["password"],
            first_name=someone["first_name"],
            last_name=someone["last_name"],
        )
        for name in someone["groups"]:
            user.groups.add(Group.objects.get_or_create(name=name)[0])

    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:4])
