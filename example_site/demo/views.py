"""The example site's home page: KB articles per product, in the reader's locale."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from config.locales import current_locale
from products.models import Product
from wiki.models import CANNED_RESPONSES_CATEGORY, Document


def root(request: HttpRequest) -> HttpResponse:
    return redirect("home.locale", locale=current_locale())


def home(request: HttpRequest, locale: str) -> HttpResponse:
    published = Document.objects.filter(current_revision__isnull=False)
    originals = (
        published.filter(locale=settings.LANGUAGE_CODE, parent=None, is_archived=False)
        .exclude(category=CANNED_RESPONSES_CATEGORY)
        .prefetch_related(
            "products",
            Prefetch("translations", queryset=published.filter(locale=locale), to_attr="localized"),
        )
    )
    # Products belong to the en-US original; show its translation where there is one.
    by_product: dict[int, list[Document]] = {}
    for doc in originals:
        shown = doc.localized[0] if doc.localized else doc
        for product in doc.products.all():
            by_product.setdefault(product.pk, []).append(shown)
    sections = [
        (product, sorted(by_product[product.pk], key=lambda doc: doc.title.lower()))
        for product in Product.objects.filter(visible=True)
        if product.pk in by_product
    ]
    return render(request, "demo/home.html", {"sections": sections})
