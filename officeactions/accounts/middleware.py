from django.contrib.auth.models import AnonymousUser

# Reachable with a password alone: signing in, giving or setting up the second factor, leaving.
OPEN_PREFIXES = ("/accounts/login/", "/accounts/logout/", "/accounts/two-factor/")


class RequireTwoFactorMiddleware:
    """Both factors or nothing: outside the sign-in pages, a session that has only passed the
    password is treated as nobody logged in, so every staff page and API answers as it does
    for the public (a page asking for login sends the person on to the second factor).
    Goes after django_otp's OTPMiddleware, which tells whether the session is verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            request.user = AnonymousUser()
        return self.get_response(request)
