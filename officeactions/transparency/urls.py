from django.urls import path

from officeactions.transparency import report_views, views

app_name = "transparency"
urlpatterns = [
    path("transparency/office-actions/", views.office_actions_log, name="log"),
    path("transparency/global-bans/", views.global_bans, name="global-bans"),
    path("transparency/reports/", report_views.report_list, name="reports"),
    path("transparency/reports/<str:period>/", report_views.report_detail, name="report"),
    path(
        "transparency/reports/<str:period>/charts/<str:name>.png",
        report_views.report_chart,
        name="report-chart",
    ),
]
