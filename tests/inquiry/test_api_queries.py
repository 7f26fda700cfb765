"""The staff inquiry runs a fixed number of queries whatever the number of hits: pinned at
two sizes for words, a reference and the export."""

from __future__ import annotations

import pytest

from tests.conftest import make_transaction

SIZES = [1, 10]
AUTH = 1  # the bearer token with the person and their memberships


@pytest.mark.parametrize("size", SIZES)
def test_a_search_by_words_does_not_grow_with_its_hits(cast, api, size, django_assert_num_queries):
    made = [
        make_transaction(cast, subject=f"طلب تعويض عن أرض في المخطط رقم {i}") for i in range(size)
    ]
    # Two words: how rare each is (2), every word (1), each word left out (2), the page (1),
    # and what the rest does as before (2).
    with django_assert_num_queries(AUTH + 8):
        r = api(cast.clerk).get("/inquiry", q="تعويض أرض")
    assert r.status_code == 200, r.content
    assert r.json()["total"] == size
    with django_assert_num_queries(AUTH + 2):
        r = api(cast.clerk).get("/inquiry", q=made[-1].reference)
    assert [hit["reference"] for hit in r.json()["results"]] == [made[-1].reference]


@pytest.mark.parametrize("size", SIZES)
def test_the_export_does_not_grow_with_its_rows(cast, api, size, django_assert_num_queries):
    for i in range(size):
        make_transaction(cast, subject=f"طلب تعويض عن أرض في المخطط رقم {i}")
    with django_assert_num_queries(AUTH + 4):
        r = api(cast.clerk).get("/inquiry/export", q="تعويض")
    assert r.status_code == 200
    assert r.content.decode().count("\n") == size + 1
