"""Contributor pages: the public live chat leaderboard (week, 90 days, all time; per locale)
and the volunteer page of the mentoring path."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..callers import page_caller
from ..conf import livechat_settings
from ..exceptions import LivechatError
from ..host import get_host_adapter
from ..locales import current_locale, site_languages, site_locale
from ..models import Trainee
from ..services.contributors import karma, mentoring
from ..services.shared.roles import IN_TRAINING, is_helper, is_supervisor

PERIODS = (("week", _("This week")), ("90d", _("Last 90 days")), ("all", _("All time")))
DEFAULT_PERIOD = "90d"
BOARD_SIZE = 25


def leaderboard(request: HttpRequest) -> HttpResponse:
    """Top helpers by points; unknown filters fall back to the defaults instead of failing."""
    period = request.GET.get("period", DEFAULT_PERIOD)
    if period not in dict(PERIODS):
        period = DEFAULT_PERIOD
    chat_locale = site_locale(request.GET.get("locale")) or ""
    locale = current_locale()
    context = {
        "period": period,
        "periods": PERIODS,
        "chat_locale": chat_locale,
        "languages": site_languages(),
        "entries": karma.leaderboard_entries(
            period=period, locale=chat_locale or None, limit=BOARD_SIZE
        ),
        "locale": locale,
        "jsi18n_url": reverse("livechat:jsi18n", kwargs={"locale": locale}),
    }
    return render(request, "livechat/leaderboard.html", context)


# --- The mentoring path: applying, progress, and a mentor's trainees --------------------------

TRAINEE_ACTIONS = {
    "pair": mentoring.pair,
    "propose": mentoring.propose,
    "graduate": mentoring.graduate,
}


def _trainee_row(trainee: Trainee, adapter) -> dict:
    return {
        "trainee": trainee,
        "display_name": adapter.display_name(trainee.user),
        "mentor_name": adapter.display_name(trainee.mentor) if trainee.mentor_id else "",
        "progress": mentoring.progress(trainee),
    }


def _volunteer_context(request: HttpRequest) -> dict:
    """What the page shows depends on who is looking: a mentor, a helper, someone on the path,
    or someone who has not applied yet."""
    user = request.user
    adapter = get_host_adapter()
    locale = current_locale()
    context = {
        "locale": locale,
        "jsi18n_url": reverse("livechat:jsi18n", kwargs={"locale": locale}),
        "guide": mentoring.trainee_guide(),
        "max_length": livechat_settings.MAX_MESSAGE_LENGTH,
        "is_mentor": is_supervisor(user),
        "is_helper": is_helper(user),
        "own": None,
    }
    if context["is_mentor"]:
        rows = [
            _trainee_row(trainee, adapter)
            for trainee in mentoring.trainees_for(page_caller(request))
        ]
        context["waiting"] = [row for row in rows if row["trainee"].mentor_id is None]
        context["mine"] = [row for row in rows if row["trainee"].mentor_id == user.pk]
    own = mentoring.own_trainee(user.pk)
    if own is not None:
        context["own"] = _trainee_row(own, adapter)
        context["in_training"] = own.stage in IN_TRAINING
    return context


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def volunteer(request: HttpRequest) -> HttpResponse:
    """Volunteering in live chat: apply and follow the mentoring path, or (mentors) pair with,
    propose and graduate trainees. Every change is a POST that redirects back here."""
    if request.method == "POST":
        try:
            _trainee, created = mentoring.apply(
                caller=page_caller(request), motivation=request.POST.get("motivation", "")
            )
        except LivechatError as error:
            messages.error(request, error.detail)
        else:
            if created:
                messages.success(
                    request, gettext("Thanks for applying! A mentor will pair with you.")
                )
            else:
                messages.info(request, gettext("You have already applied."))
        return redirect("livechat:volunteer")
    return render(request, "livechat/volunteer.html", _volunteer_context(request))


@login_required
@require_POST
def volunteer_action(request: HttpRequest, trainee_id: int, action: str) -> HttpResponse:
    """One step on a trainee's path (pair, propose, graduate); the service decides who may."""
    step = TRAINEE_ACTIONS.get(action)
    if step is None:
        raise Http404("No such step.")
    try:
        trainee = step(caller=page_caller(request), trainee_id=trainee_id)
    except LivechatError as error:
        messages.error(request, error.detail)
    else:
        name = get_host_adapter().display_name(trainee.user)
        done = {
            "pair": gettext("You are now %(name)s's mentor."),
            "propose": gettext("%(name)s is proposed for graduation."),
            "graduate": gettext("%(name)s has graduated and joined the helpers."),
        }
        messages.success(request, done[action] % {"name": name})
    return redirect("livechat:volunteer")
