"""A host URLconf with an API of its own beside the chat's (for the schema tests)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class HostOrdersView(APIView):
    """A host view on DRF's default schema class, as most hosts have."""

    def get(self, request):
        return Response([])


urlpatterns = [
    path("orders/", HostOrdersView.as_view()),
    path("support/", include("django_livechat.urls")),
]
