"""The unified social credit code (统一社会信用代码, GB 32100-2015) and the mainland mobile number, as an applicant
types them: accepted in the forms people write them, refused with a message that says what is wrong."""
import pytest
from flask_babel import force_locale
from marshmallow import Schema, ValidationError

from app.core.fields import CREDIT_CODE_ALPHABET, CreditCode, MobilePhone, credit_code_check

# Published codes (a company's licence and a government organ), and one computed here with the algorithm.
PUBLISHED = ("91350100M000100Y43", "91110000600037341L")


@pytest.fixture(autouse=True)
def _in_the_app(app):
    """The messages are read in the app's catalogue."""
    return app


class Form(Schema):
    code = CreditCode(required=True)
    mobile = MobilePhone(load_default="")


def load(**values):
    return Form().load(values)


def problem(**values) -> str:
    with pytest.raises(ValidationError) as err:
        with force_locale("zh_CN"):
            load(**values)
    return " ".join(m for ms in err.value.messages.values() for m in ms)


def test_the_check_digit_of_published_codes():
    for code in PUBLISHED:
        assert credit_code_check(code[:17]) == code[17]
        assert load(code=code)["code"] == code


def test_a_code_computed_with_the_algorithm_is_valid_and_any_other_last_character_is_not():
    first17 = "9144030071526726X"[:17]  # a Shenzhen company's first 17 characters
    good = first17 + credit_code_check(first17)
    assert load(code=good)["code"] == good
    wrong = [first17 + ch for ch in CREDIT_CODE_ALPHABET if ch != good[17]]
    assert len(wrong) == 30
    for code in wrong:
        assert "校验" in problem(code=code)


def test_lower_case_spaces_and_hyphens_are_normalised():
    assert load(code="91350100m000100y43")["code"] == "91350100M000100Y43"
    assert load(code=" 9135 0100-M000 100Y43 ")["code"] == "91350100M000100Y43"


def test_wrong_length_says_how_many_characters():
    message = problem(code="91350100M000100Y4")
    assert "18" in message and "17" in message
    assert "18" in problem(code="91350100M000100Y433")


def test_a_character_that_cannot_be_in_a_code_is_named():
    message = problem(code="91350100M000100I43")  # I is not in the alphabet (nor O, S, V, Z)
    assert "“I”" in message
    assert "“O”" in problem(code="91350100MO00100Y43")


def test_an_empty_code_is_required():
    assert "必填" in problem(code="  ")


@pytest.mark.parametrize("typed", ["13800138000", "+86 138 0013 8000", "138-0013-8000", "0086 13800138000",
                                   "+86-138-0013-8000", "8613800138000"])
def test_mobile_numbers_as_people_write_them(typed):
    assert load(code=PUBLISHED[0], mobile=typed)["mobile"] == "13800138000"


@pytest.mark.parametrize("typed,says", [("1380013800", "11"), ("138001380001", "11"), ("12800138000", "13"),
                                        ("010-12345678", "13"), ("1380013800a", "数字"),
                                        ("１３８００１３８０００", "数字")])
def test_wrong_mobile_numbers_are_told_what_is_wrong(typed, says):
    assert says in problem(code=PUBLISHED[0], mobile=typed)
