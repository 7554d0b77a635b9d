from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's app session token (X-Session-Token), strict about bad tokens.

    An expired or unknown token gets a 401 saying so (with WWW-Authenticate
    naming the scheme), so an app knows to log in again instead of being told
    that it sent no credentials. So does a token whose session no longer has a
    user: signed out elsewhere, or its password changed since.
    """

    allow_invalid_session_tokens = False
    allow_anonymous_users = False
