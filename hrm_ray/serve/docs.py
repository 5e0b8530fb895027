"""The API's own documentation: /openapi.json with the bearer scheme declared, and Swagger UI at /docs served
from the installed `swagger-ui-bundle-v2` package, so it works offline (FastAPI's default loads it from a CDN).

Both hold no data and are open without the token; Swagger UI's Authorize button takes the token for the
data routes.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
OPENAPI_PATH = "/openapi.json"
ASSETS_PATH = "/docs/assets"
BEARER = "bearer"


def is_public(path: str, open_paths: tuple[str, ...]) -> bool:
    """Documentation paths, and the app's own open ones: answered without the token."""
    return path in (DOCS_PATH, OPENAPI_PATH, *open_paths) or path.startswith(ASSETS_PATH + "/")


def install(app: FastAPI, open_paths: tuple[str, ...]) -> None:
    """Swagger UI and its assets on `app`, and an OpenAPI document where every route but `open_paths` needs
    `Authorization: Bearer <token>`. The app must be made with `docs_url=None, redoc_url=None`."""
    app.mount(ASSETS_PATH, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + OPENAPI_PATH, title=f"{app.title} API",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    def openapi_with_bearer() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = {
                BEARER: {"type": "http", "scheme": "bearer", "description": "the server's HRM_API_TOKEN"}}
            for path, operations in schema["paths"].items():
                for operation in operations.values():
                    operation["security"] = [] if path in open_paths else [{BEARER: []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi_with_bearer
