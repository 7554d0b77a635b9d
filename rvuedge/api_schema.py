"""What the API schema says of every operation beyond its success."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

ERROR_DESCRIPTIONS = {
    400: "Invalid input: the body names each field or parameter at fault and why.",
    401: "Not signed in, or the session token has expired.",
    403: "Signed in, but without the permission this needs.",
    404: "Nothing by that id among what you may see, or no such page of the list.",
    415: "The body's Content-Type is missing, or not one this operation reads.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """DRF's error answers an operation can give, to document beside its success.

    drf-spectacular lists only the success; a client (and the schema fuzz test) must know the
    rest. DRF's error body is a JSON object: {"detail": ...}, or each field at fault with its messages.
    """
    return {
        status: OpenApiResponse(OpenApiTypes.OBJECT, description=ERROR_DESCRIPTIONS[status])
        for status in statuses
    }
