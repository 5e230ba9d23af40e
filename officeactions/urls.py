from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from officeactions.appeals import api as appeals_api
from officeactions.bancheck.api import BanCheckApi
from officeactions.cases import api
from officeactions.cases import urls as cases_urls
from officeactions.checkuser import api as checkuser_api
from officeactions.enforcement import api as enforcement_api
from officeactions.enforcement import urls as enforcement_urls
from officeactions.events import api as events_api
from officeactions.intake import api as intake_api
from officeactions.intake import casework as intake_casework
from officeactions.legal import api as legal_api
from officeactions.legal import casework as legal_casework
from officeactions.sanctions import api as sanctions_api
from officeactions.sanctions import casework as sanctions_casework
from officeactions.transparency import api as transparency_api

api_patterns = [
    path("public/requests/", intake_api.RequestSubmitApi.as_view(), name="public-request"),
    path("kinds/", api.KindListApi.as_view(), name="kinds"),
    path("cases/", api.CaseListApi.as_view(), name="cases"),
    path("cases/<str:reference>/", api.CaseDetailApi.as_view(), name="case"),
    path("cases/<str:reference>/steps/", api.CaseStepApi.as_view(), name="case-step"),
    path("cases/<str:reference>/proposal/", api.CaseProposalApi.as_view(), name="case-proposal"),
    path("cases/<str:reference>/reviews/", api.CaseReviewApi.as_view(), name="case-review"),
    path("cases/<str:reference>/evidence/", api.CaseEvidenceApi.as_view(), name="case-evidence"),
    path("cases/<str:reference>/assignees/", api.CaseAssignApi.as_view(), name="case-assign"),
    path("cases/<str:reference>/delays/", api.CaseDelayApi.as_view(), name="case-delay"),
    *enforcement_api.api_urlpatterns,
    path("cases/<str:reference>/subject/", api.CaseSubjectApi.as_view(), name="case-subject"),
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
    *sanctions_api.api_urlpatterns,
    *intake_casework.api_urlpatterns,
    path("queue/", api.QueueApi.as_view(), name="queue"),
    path("cases/<str:reference>/event-ban/", events_api.EventBanApi.as_view(), name="event-ban"),
    path("cases/<str:reference>/event-ban/photo/", events_api.EventBanPhotoApi.as_view()),
    path("cases/<str:reference>/event-ban/issue/", events_api.EventBanIssueApi.as_view()),
    path(
        "cases/<str:reference>/event-ban/global-ban/",
        events_api.EventBanGlobalBanApi.as_view(),
    ),
    path("events/", events_api.EventListApi.as_view(), name="events"),
    path("events/<int:pk>/", events_api.EventDetailApi.as_view(), name="event"),
    path("events/<int:pk>/organisers/", events_api.EventDesignateApi.as_view()),
    path(
        "events/<int:pk>/organisers/<int:designation_pk>/revoke/",
        events_api.EventRevokeApi.as_view(),
    ),
    path("event-lists/<str:token>/", events_api.OrganiserListApi.as_view(), name="event-list"),
    path("event-lists/<str:token>/check-in/", events_api.OrganiserCheckInApi.as_view()),
    path("appeals/", appeals_api.AppealListApi.as_view(), name="appeals"),
    path("appeals/<str:reference>/", appeals_api.AppealDetailApi.as_view(), name="appeal"),
    path("appeals/<str:reference>/counsel/", appeals_api.AppealCounselApi.as_view()),
    path("appeals/<str:reference>/decision/", appeals_api.AppealDecideApi.as_view()),
    path("appeals/<str:reference>/lift/", appeals_api.AppealLiftApi.as_view()),
    path("cases/<str:reference>/modifications/", appeals_api.CaseModificationApi.as_view()),
    path(
        "cases/<str:reference>/checkuser/",
        checkuser_api.CaseCheckUserApi.as_view(),
        name="case-checkuser",
    ),
    path(
        "cases/<str:reference>/checkuser/<int:pk>/share/", checkuser_api.CheckUserShareApi.as_view()
    ),
    path(
        "cases/<str:reference>/checkuser/<int:pk>/withhold/",
        checkuser_api.CheckUserWithholdApi.as_view(),
    ),
    path("public/appeals/", appeals_api.AppealFileApi.as_view(), name="public-appeal"),
    path(
        "public/appeals/<str:token>/",
        appeals_api.AppealStatusApi.as_view(),
        name="public-appeal-status",
    ),
    path(
        "transparency/reports/",
        transparency_api.ReportListApi.as_view(),
        name="transparency-reports",
    ),
    path(
        "transparency/reports/<str:period>/",
        transparency_api.ReportDetailApi.as_view(),
        name="transparency-report",
    ),
    path(
        "public/requests/<str:token>/",
        intake_api.RequestStatusApi.as_view(),
        name="public-request-status",
    ),
]


def home(request):
    return redirect("cases:list" if request.user.is_authenticated else "intake:new")


def not_found(request, exception):
    """A URL nothing answers: API clients get the one error shape, people the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"message": "Not found.", "extra": {}}, status=404)
    return page_not_found(request, exception)


handler404 = not_found


def healthz(request):
    """For load balancers: the process answers. Also the baseline of the intake benchmark."""
    return JsonResponse({"ok": True})


urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Ahead of the includes: wikis ask this on every login and edit, so it resolves first.
    path("api/check", BanCheckApi.as_view(), name="api-check"),
    # The API before the pages' catch-all includes: a path is matched against every pattern
    # before it, and the public intake endpoint takes the busiest traffic.
    path("api/", include((api_patterns, "api"))),
    path("request/", include("officeactions.intake.urls")),
    path("", include("officeactions.legal.urls")),
    path("", include("officeactions.transparency.urls")),
    path("accounts/", include("officeactions.accounts.urls")),
    path(
        "cases/",
        include(
            (
                cases_urls.urlpatterns
                + enforcement_urls.case_urlpatterns
                + intake_casework.case_urlpatterns
                + legal_casework.case_urlpatterns
                + sanctions_casework.case_urlpatterns,
                "cases",
            )
        ),
    ),
    path("events/", include("officeactions.events.urls")),
    path("", include("officeactions.appeals.urls")),
    path("", include("officeactions.checkuser.urls")),
    path("", include("officeactions.bancheck.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # Swagger UI's page carries its own inline styles; its script is a separate file.
        # (mypy reads SECURE_CSP in settings.py as dict[str, object]: it has no annotation.)
        csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]
