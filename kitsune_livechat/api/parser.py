"""Reading request bodies and query strings, with the checks every text field needs."""

import json

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.parser import Parser

from ..exceptions import InvalidInput
from ..services.shared.cleaning import check_structure


class CheckedParser(Parser):
    """JSON bodies and query strings, refused with a 400 when they hold NUL characters or
    nest deeper than any schema of the API does, before any field reaches a service."""

    def parse_body(self, request: HttpRequest) -> dict:
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):
            raise InvalidInput(_("The body is not valid JSON."), code="invalid_json") from None
        check_structure(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict:
        check_structure(list(data.lists()))
        return super().parse_querydict(data, list_fields, request)
