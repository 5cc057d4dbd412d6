"""`seqera.api.query_params`: validated once per query string, the same answer (and the same
refusal) every time, and a fresh dict for every caller."""

import pytest
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from seqera.api import PageQuery, query_params

FACTORY = APIRequestFactory()


def params(query: str, serializer_class=PageQuery) -> dict:
    return query_params(Request(FACTORY.get(f"/api/x?{query}")), serializer_class)


def test_the_same_query_gives_the_same_values_to_every_caller():
    first = params("workspaceId=3&max=5&offset=2")
    assert first == {"max": 5, "offset": 2}
    first["max"] = 999
    assert params("workspaceId=3&max=5&offset=2") == {"max": 5, "offset": 2}
    assert params("workspaceId=3") == {"offset": 0}
    assert params("search=a%20b") == {"offset": 0, "search": "a b"}


@pytest.mark.parametrize("query", ["max=0", "max=1001", "offset=-1", "max=ten"])
def test_a_refused_query_is_refused_every_time(query):
    for _ in range(2):
        with pytest.raises(exceptions.ValidationError):
            params(query)


class Listed(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


def test_a_query_serializer_whose_values_could_be_changed_is_refused():
    with pytest.raises(TypeError, match="Listed validates to a value a later request could change"):
        params("", Listed)
