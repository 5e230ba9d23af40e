"""API authentication: hashed per-person tokens, and browser sessions that passed two-factor."""

from rest_framework import HTTP_HEADER_ENCODING, authentication, exceptions


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token oa_…`` (or ``Bearer``)."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        # Read from META, as the header arrives: DRF's get_authorization_header builds the whole
        # request.headers mapping first, a tenth of a ban check's time.
        header = request.META.get("HTTP_AUTHORIZATION", "")
        parts = (header.encode(HTTP_HEADER_ENCODING) if isinstance(header, str) else header).split()
        if not parts or parts[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send one token after the word Token.")
        try:
            secret = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        found = self.user_for(secret)
        if found is None:
            raise exceptions.AuthenticationFailed("The token is not valid, or was revoked.")
        return found

    def user_for(self, secret: str):
        from officeactions.accounts.services import api_token_user

        return api_token_user(secret)

    def authenticate_header(self, request):
        return "Token"


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """A logged-in browser counts only once its second factor is verified."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        is_verified = getattr(user, "is_verified", None)
        return result if is_verified is not None and is_verified() else None
