from flask import Blueprint, Response, request

blueprint = Blueprint("public", __name__)


@blueprint.after_request
def no_store(response: Response) -> Response:
    """A page or file addressed by a parent's token (or LINE code) is theirs alone: no cache,
    the browser's or a shared one, may keep it."""
    if "token" in (request.view_args or {}) or request.endpoint == "public.line_link":
        response.headers["Cache-Control"] = "no-store"
    return response
