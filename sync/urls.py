from django.urls import path

from sync import connect, views

app_name = "sync"

urlpatterns = [
    path("callback/", connect.callback, name="callback"),
    path("webhooks", views.receive, name="webhooks"),
]
