"""`{% memo vary… %}…{% endmemo %}`: a part of a template rendered once per process for each value of `vary` (and
the language), then reused — for markup that is a pure function of what the tag names, such as the navigation,
which depends on the user's roles only but costs a dozen URL reversals and translations on every page.

The memory is the node's own (one per compiled template and tag), bounded, never shared between processes, and
emptied with the template when the template changes (the cached template loader compiles it afresh). Whatever
the part shows must be named in `vary`: the part is the same for every request with the same values — except the
CSRF token (`{% csrf_token %}`, `{{ csrf_token }}`), which is kept as a placeholder and written in for each
request."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

MEMO_MAX = 256  # variants kept per tag (role combinations, languages)
CSRF_PLACEHOLDER = "ducha-csrf-token-placeholder-7f3a91c2"


def _hashable(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return tuple(sorted(map(str, value)))
    if isinstance(value, list | tuple):
        return tuple(_hashable(part) for part in value)
    return value


class MemoNode(Node):
    def __init__(self, nodelist: NodeList, vary: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.vary = vary
        self.kept: dict[tuple[Any, ...], SafeString] = {}

    def render(self, context: Context) -> SafeString:
        token = context.get("csrf_token")
        if token is not None and str(token) in ("", "NOTPROVIDED"):
            return mark_safe(self.nodelist.render(context))  # no request: nothing to keep
        key = (get_language(), *(_hashable(expression.resolve(context)) for expression in self.vary))
        markup = self.kept.get(key)
        if markup is None:
            with context.push(csrf_token=CSRF_PLACEHOLDER):
                markup = mark_safe(self.nodelist.render(context))
            if len(self.kept) >= MEMO_MAX:
                self.kept.clear()
            self.kept[key] = markup
        if token is not None and CSRF_PLACEHOLDER in markup:
            return mark_safe(markup.replace(CSRF_PLACEHOLDER, str(token)))
        return markup


@register.tag("memo")
def memo(parser: Parser, token: Token) -> MemoNode:
    vary = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, vary)
