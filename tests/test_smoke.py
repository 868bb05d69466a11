"""The app answers: liveness, readiness, the landing page, the OpenAPI document."""


def test_healthz_answers_without_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["database"] == "ok"


def test_landing_page_in_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The page itself, not the 中文 switch button (which carries lang="zh-CN" in any language).
    assert html.lstrip().lower().startswith("<!doctype html>") and '<html lang="zh-CN"' in html


def test_openapi_document_lists_unit_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/c/{slug}/units" in spec["paths"]
    assert "/api/v1/auth/tokens" in spec["paths"]
