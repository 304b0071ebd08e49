"""Answers of 1 KB and more are gzipped for clients that accept it; the docs' assets are cached,
API answers never."""

import gzip
import json
import re
from typing import Any

from fastapi.testclient import TestClient

from ehp_api.web.middleware import IMMUTABLE
from ehp_api.web.openapi import DOCS_ASSETS_URL

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def raw_get(client: TestClient, url: str, headers: dict[str, str]) -> tuple[Any, bytes]:
    """The response and its body as sent, before any decoding."""
    with client.stream("GET", url, headers=headers) as response:
        return response, b"".join(response.iter_raw())


class TestGzip:
    def test_a_large_answer_is_gzipped_when_the_client_accepts_it(self, client: TestClient) -> None:
        response, sent = raw_get(client, "/api/v1/activities?limit=500", GZIP)
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["vary"]
        assert int(response.headers["content-length"]) == len(sent)
        assert len(json.loads(gzip.decompress(sent))["items"]) == 25
        _, plain = raw_get(client, "/api/v1/activities?limit=500", IDENTITY)
        assert len(sent) < len(plain) / 4

    def test_not_when_the_client_does_not_accept_it(self, client: TestClient) -> None:
        response, sent = raw_get(client, "/api/v1/activities?limit=500", IDENTITY)
        assert "content-encoding" not in response.headers
        assert int(response.headers["content-length"]) == len(sent)
        assert len(json.loads(sent)["items"]) == 25

    def test_not_under_1_kb(self, client: TestClient) -> None:
        response, sent = raw_get(client, "/api/v1/activities/1.1.1?bogus=1", GZIP)
        assert response.status_code == 422
        assert len(sent) < 1000
        assert "content-encoding" not in response.headers
        assert json.loads(sent)["status"] == 422

    def test_an_xlsx_file_is_not_gzipped(self, client: TestClient) -> None:
        response, sent = raw_get(client, "/api/v1/exports/workplan.xlsx", GZIP)
        assert response.status_code == 200, sent[:300]
        assert len(sent) > 1000
        assert "content-encoding" not in response.headers
        assert sent.startswith(b"PK")  # a zip archive, compressed already

    def test_a_compressed_answer_keeps_its_request_id_and_headers(self, client: TestClient) -> None:
        response, _ = raw_get(client, "/api/v1/activities?limit=500", GZIP)
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["x-request-id"]
        assert response.headers["x-content-type-options"] == "nosniff"


def _bundle_url(client: TestClient) -> str:
    html = client.get("/docs").text
    [url] = re.findall(r"""src=["']([^"']*swagger-ui-bundle\.js)["']""", html)
    return url


class TestCaching:
    def test_the_docs_assets_are_cached_for_good_under_a_versioned_path(
        self, anon_client: TestClient
    ) -> None:
        url = _bundle_url(anon_client)
        assert url == f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js"
        assert re.fullmatch(r"/static-offline-docs/\d+\.\d+[^/]*", DOCS_ASSETS_URL)
        response, sent = raw_get(anon_client, url, GZIP)
        assert response.status_code == 200
        assert (
            response.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        )
        assert response.headers["content-encoding"] == "gzip"
        assert b"isOAS31" in gzip.decompress(sent)

    def test_a_missing_asset_is_not_cached(self, anon_client: TestClient) -> None:
        response = anon_client.get(f"{DOCS_ASSETS_URL}/nothing.js")
        assert response.status_code == 404
        assert response.headers["cache-control"] == "no-store"

    def test_the_docs_pages_and_the_document_are_not_cached(self, anon_client: TestClient) -> None:
        for url in ("/docs", "/redoc", "/openapi.json"):
            assert anon_client.get(url).headers["cache-control"] == "no-store", url

    def test_api_answers_are_not_cached(self, client: TestClient, anon_client: TestClient) -> None:
        assert client.get("/api/v1/readings").headers["cache-control"] == "no-store"
        assert client.get("/api/v1/me").headers["cache-control"] == "no-store"
        assert anon_client.get("/api/v1/me").headers["cache-control"] == "no-store"
        assert anon_client.get("/healthz").headers["cache-control"] == "no-store"

    def test_reference_answers_are_kept_and_revalidated(self, client: TestClient) -> None:
        """The plan, organisations, places and periods carry an ETag (`ehp_api.web.reference`)."""
        answer = client.get("/api/v1/activities?limit=500")
        assert answer.headers["cache-control"] == "private, no-cache"
        assert answer.headers["etag"]
