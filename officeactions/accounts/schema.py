"""How the API's sign-in appears in the OpenAPI schema (loaded by the app's ready())."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "officeactions.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token oa_…`: made on /accounts/tokens/ (shown once) or with "
            "`officeactions token create USER NAME`.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "officeactions.accounts.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
