from django.urls import path

from sync import connect, views

app_name = "sync"

urlpatterns = [
    # The App URL of the app's configuration: installs that start at Shopify open it.
    path("app/", connect.launch, name="app"),
    path("app/resume/", connect.resume, name="resume"),
    path("callback/", connect.callback, name="callback"),
    path("webhooks", views.receive, name="webhooks"),
]
