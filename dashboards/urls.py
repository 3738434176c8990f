from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:dashboard_id>/", views.page, name="page"),
    path("<int:dashboard_id>/edit/", views.edit, name="edit"),
    path("<int:dashboard_id>/delete/", views.delete, name="delete"),
    path("<int:dashboard_id>/reports/<str:key>.csv", views.report_csv, name="report_csv"),
    path("custom/", views.custom_index, name="custom_index"),
    path("custom/new/", views.custom_create, name="custom_create"),
    path("custom/<int:report_id>/", views.custom_detail, name="custom"),
]
