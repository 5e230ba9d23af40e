from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from officeactions.bancheck.api import BanCheckApi
from officeactions.cases import api
from officeactions.intake import api as intake_api
from officeactions.legal import api as legal_api

api_patterns = [
    path("token/", obtain_auth_token, name="token"),
    path("kinds/", api.KindListApi.as_view(), name="kinds"),
    path("cases/", api.CaseListApi.as_view(), name="cases"),
    path("cases/<str:reference>/", api.CaseDetailApi.as_view(), name="case"),
    path("cases/<str:reference>/steps/", api.CaseStepApi.as_view(), name="case-step"),
    path("cases/<str:reference>/proposal/", api.CaseProposalApi.as_view(), name="case-proposal"),
    path("cases/<str:reference>/reviews/", api.CaseReviewApi.as_view(), name="case-review"),
    path("cases/<str:reference>/evidence/", api.CaseEvidenceApi.as_view(), name="case-evidence"),
    path("cases/<str:reference>/assignees/", api.CaseAssignApi.as_view(), name="case-assign"),
    path("cases/<str:reference>/delays/", api.CaseDelayApi.as_view(), name="case-delay"),
    path(
        "cases/<str:reference>/requester/lift/",
        api.CaseRequesterLiftApi.as_view(),
        name="case-requester-lift",
    ),
    path("cases/<str:reference>/enforce/", api.CaseEnforceApi.as_view(), name="case-enforce"),
    path("cases/<str:reference>/lift/", api.CaseLiftApi.as_view(), name="case-lift"),
    path(
        "cases/<str:reference>/enforcement/retry/",
        api.CaseRetryApi.as_view(),
        name="case-retry",
    ),
    path("cases/<str:reference>/accounts/", api.CaseAddAccountApi.as_view(), name="case-account"),
    path("cases/<str:reference>/dmca/court-action/", legal_api.CourtActionApi.as_view()),
    path("cases/<str:reference>/child-protection/suppress/", legal_api.SuppressApi.as_view()),
    path("cases/<str:reference>/child-protection/ncmec/", legal_api.NcmecApi.as_view()),
    path("public/dmca/notices/", legal_api.NoticeSubmitApi.as_view(), name="dmca-notice"),
    path(
        "public/dmca/counter-notices/",
        legal_api.CounterNoticeSubmitApi.as_view(),
        name="dmca-counter-notice",
    ),
    path("cases/<str:reference>/second-review/", api.CaseFollowUpApi.as_view()),
    path("queue/", api.QueueApi.as_view(), name="queue"),
    path("public/requests/", intake_api.RequestSubmitApi.as_view(), name="public-request"),
    path(
        "public/requests/<str:token>/",
        intake_api.RequestStatusApi.as_view(),
        name="public-request-status",
    ),
]


def home(request):
    return redirect("cases:list" if request.user.is_authenticated else "intake:new")


def healthz(request):
    """For load balancers: the process answers. Also the baseline of the intake benchmark."""
    return JsonResponse({"ok": True})


urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Ahead of the includes: wikis ask this on every login and edit, so it resolves first.
    path("api/check", BanCheckApi.as_view(), name="api-check"),
    path("request/", include("officeactions.intake.urls")),
    path("", include("officeactions.legal.urls")),
    path("", include("officeactions.transparency.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", include("officeactions.cases.urls")),
    path("", include("officeactions.bancheck.urls")),
    path("api/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
