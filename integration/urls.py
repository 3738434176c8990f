from django.urls import path

from integration import views

app_name = "integration"

urlpatterns = [
    path("callback/", views.callback, name="callback"),
]
