# contrib.auth's own URLs (login, logout, password reset) and the admin;
# the one view of ours is the page a signed-in user lands on.
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def profile(request):
    return HttpResponse("Signed in as %s\n" % request.user.get_username(), content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/profile/", profile),
]
