"""The API documentation: /docs and /redoc served from our own origin under the strict CSP,
and an OpenAPI document that says how to authenticate and which errors each operation gives."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

SIGN_IN_STEPS = {
    "/api/staff/v1/auth/login",
    "/api/staff/v1/auth/mfa",
    "/api/staff/v1/auth/recovery",
    "/api/staff/v1/auth/enrol/start",
    "/api/staff/v1/auth/enrol/confirm",
}
ERROR_REF = "#/components/schemas/ErrorOut"
UNSAFE = {"post", "put", "patch", "delete"}


class _Assets(HTMLParser):
    """Every URL a page loads (scripts, stylesheets, icons, images), and inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (tag or rel, URL)
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            if found.get("src"):
                self.urls.append(("script", found["src"] or ""))
            else:
                self._in_script_without_src = True
        elif tag == "link" and found.get("href"):
            self.urls.append((found.get("rel") or "link", found["href"] or ""))
        elif tag in {"img", "iframe", "source"} and found.get("src"):
            self.urls.append((tag, found["src"] or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1


def _assets(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


def _operations(spec: dict[str, Any], prefix: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in spec["paths"].items()
        if path.startswith(prefix)
        for method, operation in operations.items()
    ]


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


@pytest.mark.parametrize(("path", "bundle"), [("/docs", "swagger-ui"), ("/redoc", "redoc")])
def test_the_docs_load_only_assets_from_our_origin(
    client: TestClient, path: str, bundle: str
) -> None:
    page = client.get(path)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    found = _assets(page.text)
    assert found.inline_scripts == 0  # the strict CSP would block them
    scripts = [url for kind, url in found.urls if kind == "script"]
    assert any(bundle in url for url in scripts)
    assert any(url.startswith("/static/docs-") for url in scripts)  # our initialisation
    assert 'data-openapi-url="/openapi.json"' in page.text
    for kind, url in found.urls:
        assert url.startswith("/"), f"{path} loads {url} from elsewhere"
        assert not url.startswith("//"), f"{path} loads {url} from elsewhere"
        asset = client.get(url)
        assert asset.status_code == 200, url
        ctype = asset.headers["content-type"]
        if kind == "script":
            assert "javascript" in ctype, (url, ctype)
        elif kind == "stylesheet":
            assert ctype.startswith("text/css"), (url, ctype)
        else:
            assert ctype.startswith("image/"), (url, ctype)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_have_the_same_strict_csp_as_every_page(client: TestClient, path: str) -> None:
    policy = client.get(path).headers["content-security-policy"]

    assert policy == client.get("/report").headers["content-security-policy"]
    assert policy == client.get("/console/login").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "unsafe" not in policy  # neither 'unsafe-inline' nor 'unsafe-eval'
    assert "http" not in policy  # no other origin, CDN or not


def test_staff_operations_declare_how_to_authenticate(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["staffBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "session token",
        "description": schemes["staffBearer"]["description"],
    }
    assert schemes["staffSession"]["in"] == "cookie"
    assert schemes["staffSession"]["name"] == "hotline_staff"
    assert schemes["staffCsrf"]["in"] == "header"
    assert schemes["staffCsrf"]["name"] == "X-CSRF-Token"

    operations = _operations(spec, "/api/staff/v1/")
    assert len(operations) > 50
    case_operations = [op for path, _, op in operations if path.startswith("/api/staff/v1/cases")]
    assert len(case_operations) >= 27
    for path, method, operation in operations:
        security = operation.get("security")
        if path in SIGN_IN_STEPS:
            assert not security, f"{method} {path} is a sign-in step: no security"
            continue
        assert security, f"{method} {path} declares no security"
        for requirement in security:
            assert set(requirement) <= set(schemes), (path, requirement)
        assert {"staffBearer": []} in security, (method, path)
        # The cookie alone reads; a change needs the CSRF token with it (403 without).
        if method in UNSAFE:
            assert {"staffSession": [], "staffCsrf": []} in security, (method, path)
            assert {"staffSession": []} not in security, (method, path)
            assert "CSRF" in operation["responses"]["403"]["description"], (method, path)
        else:
            assert {"staffSession": []} in security, (method, path)
        assert "401" in operation["responses"], (method, path)


def test_partner_operations_declare_the_partner_key(spec: dict[str, Any]) -> None:
    key = spec["components"]["securitySchemes"]["partnerKey"]
    assert (key["type"], key["scheme"]) == ("http", "bearer")
    operations = _operations(spec, "/api/partner/v1/")
    assert len(operations) == 3
    for path, method, operation in operations:
        assert {"partnerKey": []} in operation["security"], (method, path)
        assert "401" in operation["responses"], (method, path)


def test_public_operations_declare_no_security(spec: dict[str, Any]) -> None:
    public = [
        *_operations(spec, "/api/v1/"),
        *_operations(spec, "/healthz"),
        *_operations(spec, "/readyz"),
    ]
    assert {path for path, _, _ in public} >= {
        "/api/v1/reports",
        "/api/v1/follow-up",
        "/healthz",
        "/readyz",
    }
    for path, method, operation in public:
        assert "security" not in operation, (method, path)
        assert "401" not in operation["responses"], (method, path)


def test_every_api_error_is_documented_with_the_error_shape(spec: dict[str, Any]) -> None:
    operations = _operations(spec, "/api/")
    assert len(operations) > 60
    for path, method, operation in operations:
        responses = operation["responses"]
        takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
        assert ("422" in responses) == takes_input, (method, path)
        if "requestBody" in operation:
            assert {"400", "413"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, (method, path, status)
                assert response["description"], (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"]


def test_sign_in_and_follow_up_document_throttling(spec: dict[str, Any]) -> None:
    for path in (*SIGN_IN_STEPS - {"/api/staff/v1/auth/enrol/start"}, "/api/v1/follow-up"):
        assert "429" in spec["paths"][path]["post"]["responses"], path
    assert "429" in spec["paths"]["/api/staff/v1/me/password"]["post"]["responses"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic Y3cuYW1pbmE6cGFzc3dvcmQ="}, {"Authorization": "Bearer nope"}],
)
def test_the_declared_schemes_change_nobody_s_access(
    client: TestClient, headers: dict[str, str]
) -> None:
    # Our checks answer, in our shape, not FastAPI's security classes.
    staff = client.get("/api/staff/v1/me", headers=headers)
    partner = client.get("/api/partner/v1/referrals", headers=headers)

    assert staff.status_code == 401
    assert staff.json()["error"]["code"] == "not_signed_in"
    assert staff.headers["www-authenticate"] == 'Bearer realm="staff"'
    assert partner.status_code == 401
    assert partner.json()["error"]["code"] == "not_signed_in"
