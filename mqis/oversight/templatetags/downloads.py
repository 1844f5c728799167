"""`{% download_links "key" "what" %}`: links to one of the page's tables as CSV and XLSX.

The links keep the page's own query (its filters and choices) and add `table=key` and
`format=`, so the download holds exactly the rows the user sees, as the view's
`exports.table_download` builds them.
"""

from django import template
from django.http import HttpRequest
from django.utils.html import format_html

register = template.Library()


def download_url(request: HttpRequest, key: str, fmt: str) -> str:
    query = request.GET.copy()
    query.pop("format", None)
    query["table"] = key
    query["format"] = fmt
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def download_links(context: template.Context, key: str, what: str = "this table") -> str:
    request = context["request"]
    return format_html(
        '<p class="govuk-body govuk-!-font-size-16 mqis-download">Download this table: '
        '<a class="govuk-link" href="{}" download>CSV<span class="govuk-visually-hidden"> of {}</span></a>, '
        '<a class="govuk-link" href="{}" download>XLSX<span class="govuk-visually-hidden"> of {}</span></a></p>',
        download_url(request, key, "csv"), what, download_url(request, key, "xlsx"), what)
