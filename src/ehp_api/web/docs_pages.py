"""The documentation pages, Swagger UI at /docs and ReDoc at /redoc: the app serves their assets
(fastapi-offline's copies), so they work with no internet access and send nothing to another host.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse

from ehp_api.web.openapi import DOCS_ASSETS_URL, REDOC_ASSETS_URL

REDOC_BUNDLE_URL = f"{REDOC_ASSETS_URL}/redoc.standalone.js"
_REDOC_BUNDLE = Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js"
# ReDoc's sidebar loads Redocly's logo from Redocly's CDN on every page view, with no option to
# leave it out: each reader's browser would call another host (the CSP blocks it, with an error).
# With no source the image fails at once and ReDoc hides it, as it does when the CDN is down.
_REDOC_LOGO = b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"'

SWAGGER_UI_PARAMETERS: dict[str, Any] = {
    "persistAuthorization": True,
    "displayRequestDuration": True,
    # Served from any host but localhost, Swagger UI shows a badge image from validator.swagger.io
    # whose address carries the document's URL.
    "validatorUrl": None,
}


@lru_cache
def redoc_bundle() -> bytes:
    return _REDOC_BUNDLE.read_bytes().replace(_REDOC_LOGO, b'src:""')


def install_redoc(app: FastAPI, url: str = "/redoc") -> None:
    """ReDoc at `url`, from a copy of fastapi-offline's bundle that loads no logo from Redocly."""
    bundle = redoc_bundle()

    @app.get(REDOC_BUNDLE_URL, include_in_schema=False)
    async def redoc_script() -> Response:
        return Response(bundle, media_type="text/javascript")

    @app.get(url, include_in_schema=False)
    async def redoc_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{REDOC_BUNDLE_URL}",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
