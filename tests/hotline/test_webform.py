"""The web form: works without JavaScript, keeps no cookies, explains every problem."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from casework.clock import FixedClock
from casework.enums import Channel, Danger, Priority
from casework.followup.inbox import post_to_inbox
from casework.intake.models import Report
from casework.protection.keys import Keyring
from hotline.runtime.database import Database
from tests.factories.reports import web_form
from tests.helpers import case_with_reports, content, count


def _reference(html: str) -> str:
    match = re.search(r'id="reference">(HX-[0-9A-Z-]+)<', html)
    assert match, "no reference on the page"
    return match.group(1)


def _code(html: str) -> str:
    match = re.search(r'id="follow-up-code">([0-9A-Z-]+)<', html)
    assert match, "no code on the page"
    return match.group(1)


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match
    return match.group(1)


class TestFormPage:
    def test_form_is_small_private_and_has_a_quick_exit(self, client: TestClient) -> None:
        response = client.get("/report")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"].startswith("no-store")
        assert "set-cookie" not in response.headers
        assert "script-src 'self'" in response.headers["content-security-policy"]
        html = response.text
        assert 'id="quick-exit"' in html
        assert 'href="https://www.wikipedia.org"' in html  # works without JavaScript
        assert '<script src="/static/quick-exit.js"' in html
        assert "<script>" not in html  # no inline scripts
        page_weight = len(response.content) + len(client.get("/static/site.css").content)
        page_weight += len(client.get("/static/quick-exit.js").content)
        assert page_weight < 100 * 1024

    def test_every_category_and_question_is_offered(self, client: TestClient) -> None:
        html = client.get("/report").text

        assert html.count('name="category"') == 16
        assert 'value="corporal_punishment"' in html
        assert "Is someone in danger right now?" in html
        assert 'value="capital-002"' in html  # schools from the database
        assert 'value="north"' in html  # regions

    def test_every_input_has_a_label(self, client: TestClient) -> None:
        html = client.get("/report").text
        ids = set(re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', html))
        labelled = set(re.findall(r'<label for="([^"]+)"', html))

        assert ids - labelled == set()

    def test_each_visit_gets_a_fresh_token(self, client: TestClient) -> None:
        assert _token(client.get("/report").text) != _token(client.get("/report").text)

    def test_quick_exit_script_is_served(self, client: TestClient) -> None:
        script = client.get("/static/quick-exit.js")

        assert script.status_code == 200
        assert "location.replace" in script.text
        assert '"Shift"' in script.text

    def test_home_redirects_to_the_form(self, client: TestClient) -> None:
        response = client.get("/", follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"] == "/report"


class TestSubmit:
    def test_report_is_accepted_and_the_receipt_shown(
        self, client: TestClient, db: Database
    ) -> None:
        response = client.post("/report", data=web_form())

        assert response.status_code == 200, response.text
        assert "set-cookie" not in response.headers
        assert response.headers["cache-control"].startswith("no-store")
        reference, code = _reference(response.text), _code(response.text)
        assert "keep them somewhere safe" in response.text
        _, reports, _ = case_with_reports(db, reference)
        assert reports[0].channel is Channel.WEB
        assert reports[0].child_age == 10
        assert reports[0].immediate_danger is Danger.NO
        follow = client.post("/api/v1/follow-up", json={"reference": reference, "code": code})
        assert follow.status_code == 200

    def test_danger_yes_is_p1_and_shows_emergency_advice(
        self, client: TestClient, db: Database
    ) -> None:
        response = client.post("/report", data=web_form(danger="yes"))

        assert 'class="urgent"' in response.text
        assert "112" in response.text
        case, _, _ = case_with_reports(db, _reference(response.text))
        assert case.priority is Priority.P1

    def test_double_submit_of_one_form_makes_one_report(
        self, client: TestClient, db: Database
    ) -> None:
        token = _token(client.get("/report").text)
        first = client.post("/report", data=web_form(token=token))
        second = client.post("/report", data=web_form(token=token))

        assert _reference(first.text) == _reference(second.text)
        assert _code(first.text) == _code(second.text)
        assert count(db, Report) == 1

    def test_same_form_with_new_words_is_still_taken(
        self, client: TestClient, db: Database
    ) -> None:
        token = _token(client.get("/report").text)
        client.post("/report", data=web_form(token=token))
        second = client.post("/report", data=web_form(token=token, narrative="And another thing."))

        assert second.status_code == 200
        assert count(db, Report) == 2

    def test_missing_or_forged_token_never_blocks_a_report(
        self, client: TestClient, db: Database
    ) -> None:
        form = web_form(token="<script>")
        assert client.post("/report", data=form).status_code == 200
        del form["token"]
        assert client.post("/report", data=form).status_code == 200
        assert count(db, Report) == 2

    def test_phone_typed_with_no_contact_is_not_kept(
        self, client: TestClient, db: Database
    ) -> None:
        response = client.post("/report", data=web_form(contact="no", phone="+359888123456"))

        _, reports, _ = case_with_reports(db, _reference(response.text))
        assert reports[0].phone_ct is None

    def test_sms_contact_keeps_the_phone(
        self, client: TestClient, db: Database, keyring: Keyring
    ) -> None:
        response = client.post("/report", data=web_form(contact="sms", phone="+33 6 12 34 56 78"))

        _, reports, _ = case_with_reports(db, _reference(response.text))
        assert content(db, keyring, reports[0]).contact_phone == "+33612345678"


class TestProblems:
    def test_every_problem_is_explained_and_the_childs_words_are_kept(
        self, client: TestClient, db: Database
    ) -> None:
        words = "He said he would hurt me if I told anyone & <b>I am scared</b>"
        response = client.post(
            "/report",
            data=web_form(category="", narrative=words, age="ten", contact="sms", phone=""),
        )

        assert response.status_code == 422
        html = response.text
        assert 'class="error-summary"' in html
        for field in ("category", "age", "phone"):
            assert f'id="{field}-error"' in html
            assert f'href="#{field}"' in html
        assert (
            "He said he would hurt me if I told anyone &amp; &lt;b&gt;I am scared&lt;/b&gt;" in html
        )
        assert 'value="ten"' in html
        assert 'aria-invalid="true"' in html
        assert count(db, Report) == 0

    def test_empty_form_asks_for_what_happened(self, client: TestClient) -> None:
        response = client.post("/report", data={})

        assert response.status_code == 422
        assert 'id="category-error"' in response.text
        assert 'id="narrative-error"' in response.text

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"danger": "perhaps"}, "danger"),
            ({"reporter": "alien"}, "reporter"),
            ({"contact": "pigeon"}, "contact"),
            ({"narrative": "n" * 5001}, "narrative"),
            ({"place": "p" * 201}, "place"),
            ({"age": "0"}, "age"),
            ({"age": "\u00b2"}, "age"),  # a digit to str.isdigit(), not to int()
            ({"age": "9" * 5000}, "age"),
            ({"age": "\u0661\u0662"}, "age"),  # Arabic-Indic digits
            ({"narrative": "before\x00after"}, "narrative"),
            ({"place": "at\x00school"}, "place"),
            ({"school": "capital\x00-001"}, "school"),
            ({"region": "North"}, "region"),
            ({"category": "Bullying!"}, "category"),
        ],
    )
    def test_each_bad_answer_is_shown_next_to_its_field(
        self, client: TestClient, change: dict[str, str], field: str
    ) -> None:
        response = client.post("/report", data=web_form(**change))

        assert response.status_code == 422
        assert f'id="{field}-error"' in response.text

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"category": "alien_abduction"}, "category"),
            ({"school": "no-such-school"}, "school"),
            ({"region": "north", "school": "capital-001"}, "school"),
            ({"region": "atlantis"}, "region"),
            ({"contact": "sms", "phone": "12345"}, "phone"),
        ],
    )
    def test_problems_found_against_the_data_come_back_to_the_form(
        self, client: TestClient, db: Database, change: dict[str, str], field: str
    ) -> None:
        response = client.post("/report", data=web_form(**change))

        assert response.status_code == 422
        assert f'id="{field}-error"' in response.text
        assert count(db, Report) == 0

    def test_a_wrong_phone_is_explained_in_a_childs_words(self, client: TestClient) -> None:
        response = client.post("/report", data=web_form(contact="sms", phone="12345"))

        error = re.search(r'id="phone-error">(.*?)</p>', response.text, re.DOTALL)
        assert error is not None
        assert "Start with + and your country&#39;s number, like +44 7700 900123." in error[1]
        assert "country code" not in response.text

    def test_oversized_form_gets_a_friendly_413_page(self, client: TestClient) -> None:
        response = client.post("/report", data=web_form(narrative="x" * 200_000))

        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        assert "too long" in response.text

    def test_file_upload_gets_the_form_again(self, client: TestClient, db: Database) -> None:
        response = client.post(
            "/report", data=web_form(), files={"photo": ("a.jpg", b"\xff\xd8", "image/jpeg")}
        )

        assert response.status_code == 400
        assert 'class="error-summary"' in response.text
        assert '<form method="post" action="/report"' in response.text
        assert count(db, Report) == 0

    def test_too_many_fields_get_the_form_again(self, client: TestClient, db: Database) -> None:
        form = {**web_form(), **{f"extra{i}": "x" for i in range(100)}}
        response = client.post("/report", data=form)

        assert response.status_code == 400
        assert 'class="error-summary"' in response.text
        assert count(db, Report) == 0

    def test_longest_narrative_in_the_widest_characters_fits(self, client: TestClient) -> None:
        narrative = "\U0001f622" * 5000  # the textarea allows 5,000; each is 12 bytes encoded
        response = client.post(
            "/report", data=web_form(narrative=narrative, place="\U0001f622" * 200)
        )

        assert response.status_code == 200

    def test_unknown_page_is_a_friendly_404(self, client: TestClient) -> None:
        response = client.get("/no-such-page")

        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert 'href="/report"' in response.text


class TestFollowUpPage:
    def test_reporter_can_check_the_status_on_the_web(self, client: TestClient) -> None:
        receipt = client.post("/report", data=web_form()).text
        response = client.post(
            "/follow-up", data={"reference": _reference(receipt), "code": _code(receipt)}
        )

        assert response.status_code == 200
        assert "We have your report" in response.text

    def test_wrong_code_is_explained_without_saying_whether_the_reference_exists(
        self, client: TestClient
    ) -> None:
        reference = _reference(client.post("/report", data=web_form()).text)
        wrong = client.post("/follow-up", data={"reference": reference, "code": "0000-0000-0000"})
        unknown = client.post(
            "/follow-up", data={"reference": "HX-ZZZZ-ZZZ", "code": "0000-0000-0000"}
        )

        assert wrong.status_code == unknown.status_code == 403
        assert wrong.text.replace(reference, "REF") == unknown.text.replace("HX-ZZZZ-ZZZ", "REF")

    def test_messages_from_us_are_dated_in_plain_words(
        self, client: TestClient, db: Database, keyring: Keyring, clock: FixedClock
    ) -> None:
        receipt = client.post("/report", data=web_form()).text
        reference, code = _reference(receipt), _code(receipt)
        case, _, _ = case_with_reports(db, reference)
        for body in ("Thank you for telling us. Are you safe?", "We are here."):
            db.run(
                lambda s, body=body: post_to_inbox(
                    s, keyring=keyring, case=case, body=body, now=clock.now()
                ),
                write=True,
            )

        def dates() -> list[str]:
            page = client.post("/follow-up", data={"reference": reference, "code": code}).text
            assert "We are here." in page
            assert "UTC" not in page
            return re.findall(r'<time datetime="[^"]+">([^<]+)</time>', page)

        assert dates() == ["Today", "Today"]  # 26 November 2026
        clock.advance(dt.timedelta(days=1))
        assert dates() == ["Yesterday", "Yesterday"]
        clock.advance(dt.timedelta(days=1))
        assert dates() == ["26 November", "26 November"]
        clock.advance(dt.timedelta(days=40))
        assert dates() == ["26 November 2026", "26 November 2026"]

    def test_missing_fields_are_explained(self, client: TestClient) -> None:
        response = client.post("/follow-up", data={})

        assert response.status_code == 422
        assert 'id="reference-error"' in response.text
        assert 'id="code-error"' in response.text
