"""Database request models: a bad dbName or confirm is refused with a field error, before any playbook."""

import pytest

from contract.models.db import RESERVED_WORDS, check_database_name
from contract.errors import InvalidInput
from contract.operations import check_input

INJECTION = 'x"; DROP DATABASE postgres; --'


def _details(operation, data):
    with pytest.raises(InvalidInput) as caught:
        check_input(operation, data)
    return caught.value.details


def test_enable_without_name_leaves_the_choice_to_the_role():
    assert check_input("db_enable", {"slug": "app-example-com"}) == {"slug": "app-example-com", "dbName": None}


@pytest.mark.parametrize("name", ["db_app_example_com", "_private", "a", "a" * 63, "shop2", "users_db", "usera"])
def test_enable_accepts_plain_identifiers(name):
    assert check_input("db_enable", {"slug": "a-com", "dbName": name})["dbName"] == name


@pytest.mark.parametrize(
    "name",
    ["1abc", "a-b", "a" * 64, "postgres", "template0", "template1", INJECTION, "", "Abc", "a b", "a.b",
     "ä", "pg_catalog", "pg_x", "select", "user", "table", "current_user", "all", "verbose", "a;b"],
)
def test_enable_refuses_bad_names(name):
    details = _details("db_enable", {"slug": "a-com", "dbName": name})
    assert [d["field"] for d in details] == ["dbName"]


@pytest.mark.parametrize("name", [5, True, ["db"], {"a": 1}])
def test_enable_refuses_non_strings(name):
    assert [d["field"] for d in _details("db_enable", {"slug": "a-com", "dbName": name})] == ["dbName"]


def test_error_messages_never_quote_the_input():
    details = _details("db_enable", {"slug": "a-com", "dbName": INJECTION})
    assert "DROP" not in repr(details)


def test_names_are_measured_in_bytes():
    # Only ASCII passes the character rule, so bytes and characters agree; the byte rule comes first.
    with pytest.raises(ValueError, match="63 bytes"):
        check_database_name("é" * 32)


def test_enable_refuses_unknown_fields_and_bad_slug():
    fields = {d["field"] for d in _details("db_enable", {"slug": "Not_A_Slug", "dbname": "x"})}
    assert fields == {"slug", "dbname"}


@pytest.mark.parametrize("operation", ["db_disable", "db_status"])
def test_bodyless_operations_take_only_the_slug(operation):
    assert check_input(operation, {"slug": "a-com"}) == {"slug": "a-com"}
    assert {d["field"] for d in _details(operation, {"slug": "a-com", "force": True})} == {"force"}


@pytest.mark.parametrize("confirm", ["delete", "DELETE ", "", "yes", None, 1])
def test_purge_needs_exactly_delete(confirm):
    assert [d["field"] for d in _details("db_purge", {"slug": "a-com", "confirm": confirm})] == ["confirm"]


def test_purge_accepts_delete():
    assert check_input("db_purge", {"slug": "a-com", "confirm": "DELETE"}) == {"slug": "a-com", "confirm": "DELETE"}


def test_reserved_words_are_lowercase_identifiers():
    assert all(word == word.lower() and word.isidentifier() for word in RESERVED_WORDS)
