from django.urls import path

from mqis.api.api import api

# Mounted at /api/v1/ by mqis/urls.py: /api/v1/openapi.json, /api/v1/docs, /api/v1/returns, ...
urlpatterns = [path("", api.urls)]
