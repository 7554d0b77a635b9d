from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's app session token (X-Session-Token), answering 401 rather than 403.

    Naming the scheme in WWW-Authenticate tells an app that it must log in again,
    as opposed to being refused something while logged in.
    """

    def authenticate_header(self, request) -> str:
        return "X-Session-Token"
