"""The public profile page, where Kitsune shows titles and badges (and we show chat karma)."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from karma.models import Title
from kbadge.models import Award

from .models import Profile


def profile(request: HttpRequest, locale: str, username: str) -> HttpResponse:
    user = get_object_or_404(get_user_model(), username=username, is_active=True)
    profile, _created = Profile.objects.get_or_create(user=user)
    titles = Title.objects.filter(Q(users=user) | Q(groups__user=user)).distinct()
    awards = Award.objects.filter(user=user).select_related("badge")
    context = {
        "profile_user": user,
        "profile": profile,
        "titles": titles,
        "awards": awards,
    }
    return render(request, "users/profile.html", context)
