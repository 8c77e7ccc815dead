"""The compiler's static types are values, not strings: printing, describing, comparing."""

from auditor.dsl.types import ANY, CELL, NUMBER, STRING, axis_of, compatible, describe, element_of, list_of, table_of


def test_types_print_as_the_language_names_them() -> None:
    assert str(list_of(CELL)) == "list<cell>"
    assert str(axis_of("column", "t3")) == "column<t3>"
    assert str(table_of("t4")) == "table<t4>"


def test_types_in_words_for_error_messages() -> None:
    assert describe(list_of(axis_of("row", "t3"))) == "a list of a row of 表三"
    assert describe(NUMBER) == "a number" and describe(ANY) == "a value"


def test_rows_and_columns_compare_with_texts_but_not_with_numbers() -> None:
    assert compatible(axis_of("column", "t3"), STRING)
    assert not compatible(axis_of("column", "t3"), NUMBER)
    assert compatible(list_of(STRING), list_of(axis_of("row", "t4")))
    assert element_of(list_of(CELL)) == CELL and element_of(NUMBER) is None and element_of(ANY) == ANY
