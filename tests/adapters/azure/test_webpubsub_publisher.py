"""The Web PubSub publisher, with the real async SDK, against a local server speaking the service's REST protocol."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from azure.core.credentials import AccessToken

from rehearse.adapters.azure.webpubsub_publisher import PublishFailed, WebPubSubPublisher, group_for
from rehearse.app.http_api import http_status
from tests.support.fake_webpubsub import FakeWebPubSub

HUB = "rehearse"
SESSION = "s_0123456789abcdef01234567"
OTHER = "s_fedcba9876543210fedcba98"
ENTRA_TOKEN = "eyJ0eXAiOiJKV1QifQ.entra-access-token-for-tests.sig"
EVENT = {"v": 1, "type": "answer.scored", "session_id": SESSION, "question_id": "q1", "score": {"overall": 72.5, "scores": {"clarity": 3}}}
FAST = {"retry_total": 0}  # the SDK's own retries are covered by its tests; here they only slow failures down


class FixedEntraCredential:
    """A test double for Entra ID (which cannot run here): an AsyncTokenCredential returning one fixed token."""

    def __init__(self, token: str = ENTRA_TOKEN) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []
        self.closed = False

    async def get_token(self, *scopes: str, **_: object) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> FixedEntraCredential:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


@pytest.fixture
async def service():
    async with FakeWebPubSub() as fake:
        yield fake


@pytest.fixture
async def tls_service():
    async with FakeWebPubSub(tls=True, entra_tokens=(ENTRA_TOKEN,)) as fake:
        yield fake


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["access_token"][0]


async def test_publish_reaches_the_sessions_group_as_json(service):
    async with WebPubSubPublisher(HUB, connection_string=service.connection_string(), **FAST) as publisher:
        await publisher.publish(SESSION, EVENT)

    [message] = service.messages
    assert (message.hub, message.group, message.content_type) == (HUB, f"session.{SESSION}", "application/json")
    assert message.data == EVENT
    [request] = service.received
    assert request.path == f"/api/hubs/{HUB}/groups/session.{SESSION}/:send"
    assert request.auth == "access key" and request.query["api-version"]
    # the key never travels: only a short-lived JWT signed with it, whose audience is this very request
    assert service.access_key not in request.headers["authorization"]
    assert request.claims["exp"] - time.time() <= 60


async def test_a_wrong_access_key_is_refused_and_the_publisher_says_so(service, caplog):
    wrong = service.connection_string(access_key="d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmc=")
    async with WebPubSubPublisher(HUB, connection_string=wrong, **FAST) as publisher:
        with pytest.raises(PublishFailed, match="refused the credential \\(HTTP 401\\).*AccessKey") as caught:
            await publisher.publish(SESSION, EVENT)

    assert http_status(caught.value) == 503 and caught.value.code == "pubsub_unavailable"
    assert service.messages == []
    assert [(r.status, r.reason.split(":")[0]) for r in service.received] == [(401, "invalid access token")]
    assert "refused the credential" in caplog.text  # logged as well as raised: a retried message leaves a trail


async def test_a_request_without_a_token_is_refused_by_the_fake(service):
    import aiohttp

    async with aiohttp.ClientSession() as http:
        url = f"{service.endpoint}/api/hubs/{HUB}/groups/session.{SESSION}/:send?api-version=2024-12-01"
        async with http.post(url, json=EVENT) as response:
            assert response.status == 401
        forged = jwt.encode({"aud": url, "exp": int(time.time()) + 60}, "not-the-access-key-of-this-service-at-all", algorithm="HS256")
        async with http.post(url, json=EVENT, headers={"Authorization": f"Bearer {forged}"}) as response:
            assert response.status == 401
        other_audience = jwt.encode({"aud": url.replace(SESSION, OTHER), "exp": int(time.time()) + 60}, service.access_key, algorithm="HS256")
        async with http.post(url, json=EVENT, headers={"Authorization": f"Bearer {other_audience}"}) as response:
            assert response.status == 401  # a token signed for one URL cannot be replayed on another
    assert service.messages == []


async def test_a_service_error_becomes_a_clear_failure(service):
    service.fail_next(503)
    async with WebPubSubPublisher(HUB, connection_string=service.connection_string(), **FAST) as publisher:
        with pytest.raises(PublishFailed, match="answered HTTP 503"):
            await publisher.publish(SESSION, EVENT)
        await publisher.publish(SESSION, EVENT)  # the next attempt (the queue's retry) goes through
    assert len(service.messages) == 1


async def test_a_hung_service_fails_within_the_timeout(service):
    service.hang_next()
    async with WebPubSubPublisher(HUB, connection_string=service.connection_string(), timeout_s=0.5, **FAST) as publisher:
        started = time.monotonic()
        with pytest.raises(PublishFailed, match="did not answer in time"):
            await publisher.publish(SESSION, EVENT)
    assert time.monotonic() - started < 5


async def test_an_unreachable_service_becomes_a_clear_failure():
    async with FakeWebPubSub() as gone:
        connection_string = gone.connection_string()
    async with WebPubSubPublisher(HUB, connection_string=connection_string, timeout_s=2, **FAST) as publisher:
        with pytest.raises(PublishFailed, match="could not be reached"):
            await publisher.publish(SESSION, EVENT)


async def test_client_access_with_a_key_may_join_only_its_own_group(service):
    async with WebPubSubPublisher(HUB, connection_string=service.connection_string(), **FAST) as publisher:
        access = await publisher.client_access(SESSION, "https://ignored.example")
        other = await publisher.client_access(OTHER, "https://ignored.example")

    assert access["group"] == f"session.{SESSION}"
    assert access["url"].startswith(f"ws://127.0.0.1:{service.endpoint.rsplit(':', 1)[1]}/client/hubs/{HUB}?access_token=")
    assert service.received == []  # with an access key the SDK signs the client token locally
    claims = jwt.decode(token_of(access["url"]), service.access_key, algorithms=["HS256"], audience=f"{service.endpoint}/client/hubs/{HUB}")
    assert claims["role"] == [f"webpubsub.joinLeaveGroup.session.{SESSION}"]  # no bare joinLeaveGroup, no sendToGroup
    assert claims["sub"] == SESSION and "webpubsub.group" not in claims
    assert 3500 <= claims["exp"] - claims["iat"] <= 3600
    other_claims = jwt.decode(token_of(other["url"]), service.access_key, algorithms=["HS256"], audience=f"{service.endpoint}/client/hubs/{HUB}")
    assert other_claims["role"] == [f"webpubsub.joinLeaveGroup.session.{OTHER}"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token_of(access["url"]), "some-other-access-key-of-another-service", algorithms=["HS256"], audience=f"{service.endpoint}/client/hubs/{HUB}")


@pytest.mark.parametrize("session_id", ["", "s_1 webpubsub.joinLeaveGroup", "s_1/../x", "s_1,session.s_2"])
async def test_a_malformed_session_id_never_reaches_a_group_or_role(service, session_id):
    async with WebPubSubPublisher(HUB, connection_string=service.connection_string(), **FAST) as publisher:
        with pytest.raises(ValueError, match="not a session id"):
            await publisher.client_access(session_id, "")
        with pytest.raises(ValueError, match="not a session id"):
            await publisher.publish(session_id, EVENT)
    assert service.received == []


async def test_entra_credential_publishes_and_asks_the_service_for_client_tokens(tls_service):
    async with FixedEntraCredential() as credential:
        async with WebPubSubPublisher(
            HUB, endpoint=tls_service.endpoint, credential=credential, connection_verify=tls_service.ca_file, **FAST
        ) as publisher:
            await publisher.publish(SESSION, EVENT)
            access = await publisher.client_access(SESSION, "")
        assert not credential.closed  # the caller's credential is the caller's to close

    assert credential.scopes and set(credential.scopes) == {("https://webpubsub.azure.com/.default",)}
    send, generate = tls_service.received
    assert send.auth == generate.auth == "entra"
    assert send.headers["authorization"] == f"Bearer {ENTRA_TOKEN}"
    assert tls_service.messages[0].group == f"session.{SESSION}" and tls_service.messages[0].data == EVENT
    assert generate.path == f"/api/hubs/{HUB}/:generateToken"
    assert generate.query["role"] == [f"webpubsub.joinLeaveGroup.session.{SESSION}"]
    assert generate.query["userId"] == [SESSION] and generate.query["minutesToExpire"] == ["60"]
    assert access == {"url": access["url"], "group": f"session.{SESSION}"}
    assert access["url"].startswith(f"wss://127.0.0.1:{tls_service.endpoint.rsplit(':', 1)[1]}/client/hubs/{HUB}?access_token=")
    claims = jwt.decode(token_of(access["url"]), tls_service.access_key, algorithms=["HS256"], audience=f"{tls_service.endpoint}/client/hubs/{HUB}")
    assert claims["role"] == [f"webpubsub.joinLeaveGroup.session.{SESSION}"] and claims["sub"] == SESSION


async def test_an_entra_token_the_service_does_not_accept_is_a_clear_failure(tls_service):
    async with FixedEntraCredential("a-token-for-another-resource") as credential:
        async with WebPubSubPublisher(
            HUB, endpoint=tls_service.endpoint, credential=credential, connection_verify=tls_service.ca_file, **FAST
        ) as publisher:
            with pytest.raises(PublishFailed, match="refused the token \\(HTTP 401\\).*Web PubSub Service Owner"):
                await publisher.client_access(SESSION, "")
    assert [r.status for r in tls_service.received] == [401]


async def test_without_a_connection_string_the_default_azure_credential_is_used():
    publisher = WebPubSubPublisher(HUB, endpoint="https://rehearse-test.webpubsub.azure.com")
    credential = publisher._owned_credential
    assert type(credential).__name__ == "DefaultAzureCredential"
    await publisher.close()


def test_without_endpoint_or_connection_string_it_says_what_to_set():
    with pytest.raises(ValueError, match="webpubsub_endpoint.*webpubsub_connection_string"):
        WebPubSubPublisher(HUB)


def test_groups_are_named_like_the_local_hub():
    from rehearse.adapters.local.pubsub_hub import group_for as local_group_for

    assert group_for(SESSION) == local_group_for(SESSION) == f"session.{SESSION}"
