"""Single sign-on behind a proxy, with real HTTP requests to a real server.

The "proxy" is the address 127.0.0.2 (all of 127.0.0.0/8 is this machine): requests sent from
it with the user header are genuine; the same header sent from 127.0.0.1 is a forgery that must
be ignored (401) and logged.
"""

from __future__ import annotations

import http.client
import json
import logging

import pytest
from conftest import settings_under
from ui_helpers import free_port, running_app, write_kb

from coach.access.proxy import from_settings
from coach.app import build_coach
from coach.errors import ConfigError
from coach.ui.app import check_exposure

pytestmark = pytest.mark.slow

PROXY, OTHER = "127.0.0.2", "127.0.0.1"
USER_HEADER, GROUP_HEADER = "X-Forwarded-User", "X-Forwarded-Groups"


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("proxy")
    write_kb(root / "kb")
    settings = settings_under(root, port=free_port(), trusted_user_header=USER_HEADER,
                              trusted_role_header=GROUP_HEADER, trusted_proxies=f"{PROXY}/32",
                              role_map="qi-editors=editor,qi-admins=admin")
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings):
        yield settings.port


def request(port: int, path: str, *, source: str, headers: dict[str, str] | None = None,
            body: dict | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                      source_address=(source, 0))
    try:
        conn.request("POST" if body is not None else "GET", path,
                     body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def call(port: int, api: str, data: list, *, source: str, headers: dict[str, str]) -> str:
    """Gradio's REST protocol: POST the call, then read its event stream to the end."""
    status, text = request(port, f"/gradio_api/call/{api}", source=source, headers=headers,
                           body={"data": data})
    assert status == 200, (status, text)
    event = json.loads(text)["event_id"]
    status, stream = request(port, f"/gradio_api/call/{api}/{event}", source=source,
                             headers=headers)
    assert status == 200, (status, stream)
    return stream


def test_the_header_from_the_proxy_signs_the_user_in(app):
    status, _ = request(app, "/config", source=PROXY, headers={USER_HEADER: "pat.nurse"})
    assert status == 200
    stream = call(app, "ask", ["What is a run chart?"], source=PROXY,
                  headers={USER_HEADER: "pat.nurse"})
    assert "event: complete" in stream and "run chart" in stream.lower()


def test_without_the_header_or_from_another_address_nobody_is_signed_in(app, caplog):
    assert request(app, "/config", source=PROXY)[0] == 401  # the proxy sent no user
    with caplog.at_level(logging.WARNING, logger="coach.access.proxy"):
        status, _ = request(app, "/config", source=OTHER, headers={USER_HEADER: "admin"})
    assert status == 401
    assert any("ignored a X-Forwarded-User header ('admin') from 127.0.0.1" in r.getMessage()
               for r in caplog.records)
    status, _ = request(app, "/gradio_api/call/reindex", source=OTHER,
                        headers={USER_HEADER: "admin", GROUP_HEADER: "qi-admins"},
                        body={"data": []})
    assert status == 401  # a forged call to an editor's endpoint gets nowhere


def test_groups_from_the_proxy_give_roles_and_only_from_the_proxy(app):
    staff = {USER_HEADER: "pat.nurse", GROUP_HEADER: "ward-7"}
    editor = {USER_HEADER: "sam.lead", GROUP_HEADER: "ward-7, qi-editors"}
    refused = call(app, "reindex", [], source=PROXY, headers=staff)
    assert "event: error" in refused and "needs the editor role" in refused
    done = call(app, "reindex", [], source=PROXY, headers=editor)
    assert "event: complete" in done and "needs the" not in done
    admin_only = call(app, "list_users", [], source=PROXY, headers=editor)
    assert "needs the admin role" in admin_only


def test_proxy_settings_that_cannot_work_are_refused_naming_the_setting(tmp_path):
    def settings(**kw):
        return settings_under(tmp_path, trusted_user_header=USER_HEADER, **kw)

    with pytest.raises(ConfigError, match="COACH_TRUSTED_PROXIES is empty"):
        from_settings(settings())
    with pytest.raises(ConfigError, match="COACH_TRUSTED_PROXIES: 'proxy.local'"):
        from_settings(settings(trusted_proxies="proxy.local"))
    with pytest.raises(ConfigError, match="COACH_ROLE_MAP: 'qi=boss'"):
        from_settings(settings(trusted_proxies="10.0.0.5", role_map="qi=boss"))
    with pytest.raises(ConfigError, match="not both"):
        from_settings(settings(trusted_proxies="10.0.0.5", auth_file=tmp_path / "users"))
    # single sign-on counts as sign-in for serving beyond this machine
    check_exposure(settings(trusted_proxies="10.0.0.5", host="0.0.0.0"))
