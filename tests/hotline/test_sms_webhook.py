"""The Twilio webhooks: only our account's signed requests get in, and a retry changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.enums import Channel
from casework.intake.inbox import read_inbound_payload
from casework.intake.models import InboundMessage, Report
from casework.messages.models import CaseMessage
from casework.outbox.models import OutboxMessage
from casework.protection.keys import Keyring
from hotline.runtime.database import Database
from hotline.settings import Settings
from tests.factories.sms import PUBLIC, TOKEN, replies, signed_post, sms_params
from tests.helpers import count

PHONE = "+447400123456"


class TestSignatures:
    def test_a_correctly_signed_message_is_answered(self, sms_client: TestClient) -> None:
        response = signed_post(sms_client, "/twilio/sms", sms_params(PHONE, "hello"))

        assert response.status_code == 200
        assert replies(response.text)

    def test_a_wrong_signature_is_a_403(self, sms_client: TestClient, db: Database) -> None:
        response = signed_post(
            sms_client, "/twilio/sms", sms_params(PHONE, "hello"), token="another-account-token"
        )

        assert response.status_code == 403
        assert count(db, Report) == 0

    def test_a_missing_signature_is_a_403(self, sms_client: TestClient, db: Database) -> None:
        response = sms_client.post("/twilio/sms", data=sms_params(PHONE, "hello"))

        assert response.status_code == 403
        assert count(db, InboundMessage) == 0

    def test_an_altered_parameter_is_a_403(self, sms_client: TestClient) -> None:
        params = sms_params(PHONE, "hello")
        signature_for = dict(params)
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/twilio/sms", signature_for)
        params["Body"] = "hello, changed on the way"

        response = sms_client.post(
            "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 403

    def test_an_added_parameter_is_a_403(self, sms_client: TestClient) -> None:
        params = sms_params(PHONE, "hello")
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/twilio/sms", params)
        response = sms_client.post(
            "/twilio/sms", data={**params, "Extra": "1"}, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 403

    def test_signed_for_another_host_is_a_403(self, sms_client: TestClient) -> None:
        response = signed_post(
            sms_client,
            "/twilio/sms",
            sms_params(PHONE, "hello"),
            url="https://evil.example.org/twilio/sms",
        )
        assert response.status_code == 403

    def test_the_host_header_does_not_decide_the_url(self, sms_client: TestClient) -> None:
        # Signed for the URL our Host header claims, not the configured public one.
        params = sms_params(PHONE, "hello")
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(TOKEN).compute_signature(
            "https://attacker.example/twilio/sms", params
        )
        response = sms_client.post(
            "/twilio/sms",
            data=params,
            headers={"X-Twilio-Signature": signature, "Host": "attacker.example"},
        )
        assert response.status_code == 403

    def test_behind_a_proxy_the_public_url_counts(self, sms_client: TestClient) -> None:
        # The request reaches us as http://testserver/... (the proxy's hop); Twilio signed the
        # public https URL, which is what we check against.
        response = signed_post(sms_client, "/twilio/sms", sms_params(PHONE, "hello"))
        assert response.status_code == 200

    def test_the_query_string_is_part_of_what_is_signed(self, sms_client: TestClient) -> None:
        params = sms_params(PHONE, "hello")
        ok = signed_post(sms_client, "/twilio/sms?x=1", params, url=PUBLIC + "/twilio/sms?x=1")
        wrong = signed_post(
            sms_client,
            "/twilio/sms?x=2",
            sms_params(PHONE, "hello"),
            url=PUBLIC + "/twilio/sms?x=1",
        )
        assert (ok.status_code, wrong.status_code) == (200, 403)

    def test_no_token_configured_is_a_403(
        self, settings: Settings, db: Database, keys, places
    ) -> None:  # type: ignore[no-untyped-def]
        from hotline.app import create_app

        production_like = settings.model_copy(update={"env": "production"})
        with TestClient(create_app(production_like, database=db, keys=keys)) as client:
            response = signed_post(client, "/twilio/sms", sms_params(PHONE, "hello"))
        assert response.status_code == 403

    @pytest.mark.parametrize("change", [{"MessageSid": "nope"}, {"From": ""}, {"MessageSid": ""}])
    def test_a_signed_request_that_is_not_a_message_is_a_400(
        self, sms_client: TestClient, change: dict[str, str]
    ) -> None:
        response = signed_post(sms_client, "/twilio/sms", {**sms_params(PHONE, "hello"), **change})
        assert response.status_code == 400


def test_the_same_message_five_times_is_one_message_and_one_report(
    sms_client: TestClient, db: Database, keyring: Keyring
) -> None:
    params = sms_params(PHONE, "Someone at school keeps taking my phone")
    answers = [signed_post(sms_client, "/twilio/sms", params).text for _ in range(5)]

    assert len(set(answers)) == 1
    assert count(db, Report) == 1
    assert count(db, InboundMessage) == 1
    assert count(db, CaseMessage) == 1 + len(replies(answers[0]))  # one in, the replies out
    inbound = db.run(lambda s: s.scalars(select(InboundMessage)).one(), write=False)
    assert inbound.channel is Channel.SMS
    stored = db.run(
        lambda s: read_inbound_payload(s, keyring=keyring, message=inbound), write=False
    )
    assert stored is not None
    assert stored["Body"] == "Someone at school keeps taking my phone"
    assert not {"FromCity", "FromState", "FromZip", "FromCountry"} & set(stored)


class TestStatusCallbacks:
    def _queued(self, sms_client: TestClient, db: Database) -> str:
        from tests.factories.sms import text

        for answer in ("hello", "3", "school", "no", "yes"):
            text(sms_client, PHONE, answer)
        from casework.cases.models import Case
        from casework.sms.service import queue_text_to_reporter

        def queue(s):  # type: ignore[no-untyped-def]
            case = s.scalars(select(Case)).one()
            return queue_text_to_reporter(
                s,
                keyring=Keyring(self.keys.provider),
                case=case,
                body="Hi, this is your caseworker.",
                now=self.clock.now(),
            )

        return db.run(queue, write=True).hex

    @pytest.fixture(autouse=True)
    def _deps(self, keyring: Keyring, clock) -> None:  # type: ignore[no-untyped-def]
        self.keys, self.clock = keyring, clock

    def test_status_moves_forward_only_and_tolerates_disorder(
        self, sms_client: TestClient, db: Database
    ) -> None:
        outbox = self._queued(sms_client, db)
        path = f"/twilio/sms/status?m={outbox}"
        for status in ("sent", "queued", "delivered", "sending"):
            response = signed_post(
                sms_client, path, {"MessageSid": "SM" + "0" * 32, "MessageStatus": status}
            )
            assert response.status_code == 204

        row = db.run(lambda s: s.scalars(select(OutboxMessage)).one(), write=False)
        assert row.delivery_status == "delivered"

    def test_an_unsigned_callback_is_a_403(self, sms_client: TestClient, db: Database) -> None:
        outbox = self._queued(sms_client, db)
        response = sms_client.post(
            f"/twilio/sms/status?m={outbox}", data={"MessageStatus": "delivered"}
        )

        assert response.status_code == 403

    def test_a_callback_for_no_message_of_ours_is_a_400(self, sms_client: TestClient) -> None:
        response = signed_post(
            sms_client, "/twilio/sms/status?m=zzz", {"MessageStatus": "delivered"}
        )
        assert response.status_code == 400

    def test_error_21610_in_a_callback_opts_the_phone_out(
        self, sms_client: TestClient, db: Database
    ) -> None:
        from casework.sms.models import SmsConversation

        outbox = self._queued(sms_client, db)
        signed_post(
            sms_client,
            f"/twilio/sms/status?m={outbox}",
            {"MessageStatus": "failed", "ErrorCode": "21610"},
        )

        conversation = db.run(lambda s: s.scalars(select(SmsConversation)).one(), write=False)
        assert conversation.opted_out_at is not None
