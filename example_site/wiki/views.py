"""The KB article page and its "Was this article helpful?" vote, shaped like Kitsune's."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import markup
from .models import Document, HelpfulVote, Revision


def _anonymous_id(request: HttpRequest) -> str:
    """Kitsune tells anonymous voters apart by a cookie; the session key does that here."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def _has_voted(request: HttpRequest, revision: Revision) -> bool:
    votes = HelpfulVote.objects.filter(revision=revision)
    if request.user.is_authenticated:
        return votes.filter(creator=request.user).exists()
    return votes.filter(anonymous_id=_anonymous_id(request)).exists()


def document(request: HttpRequest, locale: str, slug: str) -> HttpResponse:
    doc = (
        Document.objects.visible(request.user, locale=locale, slug=slug)
        .select_related("current_revision", "parent")
        .first()
    )
    if doc is None:
        # As Kitsune does: an en-US slug under another locale leads to its translation.
        original = get_object_or_404(
            Document.objects.visible(request.user), locale=settings.LANGUAGE_CODE, slug=slug
        )
        return redirect(original.translated_to(locale) or original)
    revision = doc.current_revision
    if revision is None:
        raise Http404("This article has no approved revision yet.")
    original = doc.original
    context = {
        "document": doc,
        "revision": revision,
        "content": markup.render(revision.content),
        "products": original.products.all(),
        "translations": [
            d
            for d in [original, *original.translations.all()]
            if d.pk != doc.pk and d.current_revision_id
        ],
        "voted": request.GET.get("voted"),
        "has_voted": _has_voted(request, revision),
    }
    return render(request, "wiki/document.html", context)


@require_POST
def vote(request: HttpRequest, locale: str, slug: str) -> HttpResponse:
    """Record one helpfulness vote per person per revision, then show the thank-you."""
    doc = get_object_or_404(Document.objects.visible(request.user), locale=locale, slug=slug)
    revision = get_object_or_404(
        Revision, pk=request.POST.get("revision_id") or 0, document=doc, is_approved=True
    )
    helpful = "helpful" in request.POST
    if not _has_voted(request, revision):
        HelpfulVote.objects.create(
            revision=revision,
            helpful=helpful,
            creator=request.user if request.user.is_authenticated else None,
            anonymous_id=_anonymous_id(request),
            user_agent=request.headers.get("user-agent", "")[:1000],
        )
    answer = "yes" if helpful else "no"
    return redirect(f"{doc.get_absolute_url()}?voted={answer}#helpful")
