"""OAuth 1.0a: RFC 5849 signature vectors, and the sandbox's three-legged flow over real HTTP."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest

from tests.support.servers import ThreadedServer
from valetkey.net.oauth1 import (
    authorization_header,
    base_string_uri,
    hmac_sha1,
    normalize_parameters,
    parse_authorization_header,
    percent_encode,
    query_parameters,
    sign_request,
    signature_base_string,
)
from valetkey.sandbox import OAuth1Error, create_sandbox_app

CONSUMER = {"consumer_key": "sandbox-consumer", "consumer_secret": "sandbox-consumer-secret"}
CALLBACK = "http://127.0.0.1:8765/oauth1/callback"

# -- RFC 5849 vectors ---------------------------------------------------------------------

RFC_3_4_1_REQUEST_URL = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"
RFC_3_4_1_HEADER = (
    'OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", '
    'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", '
    'oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"'
)


def test_rfc5849_3_4_1_signature_base_string():
    header = [(k, v) for k, v in parse_authorization_header(RFC_3_4_1_HEADER) if k != "realm"]
    body = parse_qsl("c2&a3=2+q", keep_blank_values=True)
    params = query_parameters(RFC_3_4_1_REQUEST_URL) + body + header
    assert signature_base_string("post", RFC_3_4_1_REQUEST_URL, params) == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
        "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26o"
        "auth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth"
        "_token%3Dkkk9d7dh3k39sjv7"
    )


def test_rfc5849_3_4_1_3_2_normalized_parameters():
    header = parse_authorization_header(RFC_3_4_1_HEADER)
    params = query_parameters(RFC_3_4_1_REQUEST_URL) + [("c2", ""), ("a3", "2 q")] + header[1:]
    assert normalize_parameters(params) == (
        "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9dj"
        "dj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1"
        "&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
    )


def test_rfc5849_1_2_temporary_credentials_signature():
    params = [
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131200"),
        ("oauth_nonce", "wIjqoS"),
        ("oauth_callback", "http://printer.example.com/ready"),
    ]
    base = signature_base_string("POST", "https://photos.example.net/initiate", params)
    assert hmac_sha1(base, "kd94hf93k423kf44") == "74KNZJeDHnMBp0EMJ9ZHt/XKycU="


def test_rfc5849_1_2_protected_resource_signature():
    header = sign_request(
        "GET",
        "http://photos.example.net/photos?file=vacation.jpg&size=original",
        consumer_key="dpf43f3p2l4k3l03",
        consumer_secret="kd94hf93k423kf44",
        token="nnch734d00sl2jdk",
        token_secret="pfkkdhi9sl3r4s00",
        nonce="chapoH",
        timestamp=137131202,
        realm="Photos",
    )
    # sign_request adds oauth_version=1.0, which RFC 5849's example omits; verify without it too.
    params = [
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_token", "nnch734d00sl2jdk"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131202"),
        ("oauth_nonce", "chapoH"),
        ("file", "vacation.jpg"),
        ("size", "original"),
    ]
    base = signature_base_string("GET", "http://photos.example.net/photos", params)
    assert hmac_sha1(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00") == "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    # ... and the OAuth Core 1.0 appendix vector, which includes oauth_version
    assert dict(parse_authorization_header(header))["realm"] == "Photos"
    core = sign_request(
        "GET",
        "http://photos.example.net/photos?file=vacation.jpg&size=original",
        consumer_key="dpf43f3p2l4k3l03",
        consumer_secret="kd94hf93k423kf44",
        token="nnch734d00sl2jdk",
        token_secret="pfkkdhi9sl3r4s00",
        nonce="kllo9940pd9333jh",
        timestamp=1191242096,
    )
    assert dict(parse_authorization_header(core))["oauth_signature"] == "tR3+Ty81lMeYAr/Fid0kMTYa/WM="


def test_form_body_with_plus_and_reserved_characters():
    # X's published example: a urlencoded body whose value holds spaces, '+', ',' and '!'.
    header = sign_request(
        "POST",
        "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        consumer_key="xvz1evFS4wEEPTGEFPHBog",
        consumer_secret="kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        token_secret="LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        body=[("status", "Hello Ladies + Gentlemen, a signed OAuth request!")],
        nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        timestamp=1318622958,
    )
    assert dict(parse_authorization_header(header))["oauth_signature"] == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


def test_percent_encoding_and_base_uri_rules():
    assert percent_encode("a b+c~d*é/") == "a%20b%2Bc~d%2A%C3%A9%2F"
    assert base_string_uri("HTTP://Example.COM:80/r%20v/X?id=123#frag") == "http://example.com/r%20v/X"
    assert base_string_uri("https://www.example.net:8080/?q=1") == "https://www.example.net:8080/"
    assert base_string_uri("https://example.net:443") == "https://example.net/"
    header = authorization_header({"oauth_callback": "http://x/y?a=b"}, realm="R")
    assert parse_authorization_header(header) == [("realm", "R"), ("oauth_callback", "http://x/y?a=b")]
    assert parse_authorization_header("Bearer abc") is None
    with pytest.raises(ValueError):
        parse_authorization_header('OAuth oauth_nonce="a" junk')


# -- the flow over HTTP --------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.oauth1
    threaded.stop()


@pytest.fixture
def http(server):
    url, provider = server
    provider.reset()
    with httpx.Client(base_url=url, timeout=10, follow_redirects=False) as client:
        yield client, url, provider


def signed_post(client, url, path, **sign):
    full = url + path
    return client.post(path, headers={"Authorization": sign_request("POST", full, **CONSUMER, **sign)})


def run_flow(client, url) -> dict:
    response = signed_post(client, url, "/oauth1/request_token", extra={"oauth_callback": CALLBACK})
    assert response.status_code == 200, response.text
    temporary = dict(parse_qsl(response.text))
    assert temporary["oauth_callback_confirmed"] == "true"
    redirect = client.get("/oauth1/authorize", params={"oauth_token": temporary["oauth_token"]})
    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith(CALLBACK + "?")
    back = {k: v[0] for k, v in parse_qs(urlsplit(redirect.headers["location"]).query).items()}
    assert back["oauth_token"] == temporary["oauth_token"]
    response = signed_post(
        client,
        url,
        "/oauth1/access_token",
        token=temporary["oauth_token"],
        token_secret=temporary["oauth_token_secret"],
        extra={"oauth_verifier": back["oauth_verifier"]},
    )
    assert response.status_code == 200, response.text
    return dict(parse_qsl(response.text)) | {"_temporary": temporary, "_verifier": back["oauth_verifier"]}


def test_three_legged_flow_and_signed_resource_request(http):
    client, url, provider = http
    tokens = run_flow(client, url)
    resource = url + "/oauth1/userinfo?fields=a%20b&x=1"
    header = sign_request(
        "GET", resource, **CONSUMER, token=tokens["oauth_token"], token_secret=tokens["oauth_token_secret"]
    )
    response = client.get("/oauth1/userinfo?fields=a%20b&x=1", headers={"Authorization": header})
    assert response.status_code == 200, response.text
    assert response.json() == {"sub": "sandbox-user", "consumer_key": "sandbox-consumer"}
    # a form body takes part in the signature
    body = [("status", "hi there + you!")]
    header = sign_request(
        "POST",
        url + "/oauth1/userinfo",
        **CONSUMER,
        token=tokens["oauth_token"],
        token_secret=tokens["oauth_token_secret"],
        body=body,
    )
    response = client.post("/oauth1/userinfo", data=dict(body), headers={"Authorization": header})
    assert response.status_code == 200, response.text
    tampered = client.post("/oauth1/userinfo", data={"status": "changed"}, headers={"Authorization": header})
    assert tampered.status_code == 401
    stats = provider.stats.as_dict()
    assert stats["request_tokens"] == 1 and stats["access_tokens"] == 1 and stats["signed_requests"] == 2


def test_bad_signature_rejected(http):
    client, url, provider = http
    header = sign_request(
        "POST",
        url + "/oauth1/request_token",
        consumer_key="sandbox-consumer",
        consumer_secret="wrong",
        extra={"oauth_callback": CALLBACK},
    )
    response = client.post("/oauth1/request_token", headers={"Authorization": header})
    assert response.status_code == 401
    assert dict(parse_qsl(response.text))["oauth_problem"] == "signature_invalid"
    assert response.headers["www-authenticate"].startswith("OAuth")
    tokens = run_flow(client, url)
    header = sign_request(
        "GET", url + "/oauth1/userinfo", **CONSUMER, token=tokens["oauth_token"], token_secret="nope"
    )
    assert client.get("/oauth1/userinfo", headers={"Authorization": header}).status_code == 401
    # signed for another URL
    header = sign_request(
        "GET",
        url + "/elsewhere",
        **CONSUMER,
        token=tokens["oauth_token"],
        token_secret=tokens["oauth_token_secret"],
    )
    assert client.get("/oauth1/userinfo", headers={"Authorization": header}).status_code == 401
    assert provider.stats.rejected_requests == 3


def test_nonce_replay_and_stale_timestamp_rejected(http):
    client, url, _ = http
    tokens = run_flow(client, url)
    sign = dict(**CONSUMER, token=tokens["oauth_token"], token_secret=tokens["oauth_token_secret"])
    header = sign_request("GET", url + "/oauth1/userinfo", **sign, nonce="fixed-nonce")
    assert client.get("/oauth1/userinfo", headers={"Authorization": header}).status_code == 200
    replay = client.get("/oauth1/userinfo", headers={"Authorization": header})
    assert replay.status_code == 401 and dict(parse_qsl(replay.text))["oauth_problem"] == "nonce_used"
    stale = sign_request("GET", url + "/oauth1/userinfo", **sign, timestamp=int(time.time()) - 3600)
    response = client.get("/oauth1/userinfo", headers={"Authorization": stale})
    assert dict(parse_qsl(response.text))["oauth_problem"] == "timestamp_refused"


def test_verifier_and_request_token_are_single_use(http):
    client, url, _ = http
    tokens = run_flow(client, url)
    temporary = tokens["_temporary"]
    again = signed_post(
        client,
        url,
        "/oauth1/access_token",
        token=temporary["oauth_token"],
        token_secret=temporary["oauth_token_secret"],
        extra={"oauth_verifier": tokens["_verifier"]},
    )
    assert again.status_code == 401
    response = signed_post(client, url, "/oauth1/request_token", extra={"oauth_callback": CALLBACK})
    fresh = dict(parse_qsl(response.text))
    client.get("/oauth1/authorize", params={"oauth_token": fresh["oauth_token"]})
    wrong = signed_post(
        client,
        url,
        "/oauth1/access_token",
        token=fresh["oauth_token"],
        token_secret=fresh["oauth_token_secret"],
        extra={"oauth_verifier": "guess"},
    )
    assert dict(parse_qsl(wrong.text))["oauth_problem"] == "verifier_invalid"


def test_callback_must_be_acceptable(http):
    client, url, _ = http
    missing = signed_post(client, url, "/oauth1/request_token")
    assert missing.status_code == 400 and "parameter_absent" in missing.text
    foreign = signed_post(
        client, url, "/oauth1/request_token", extra={"oauth_callback": "https://evil.example/cb"}
    )
    assert foreign.status_code == 400


def test_denial_and_out_of_band(http):
    client, url, provider = http
    temporary = dict(
        parse_qsl(signed_post(client, url, "/oauth1/request_token", extra={"oauth_callback": CALLBACK}).text)
    )
    denied = client.get(
        "/oauth1/authorize", params={"oauth_token": temporary["oauth_token"], "sandbox_deny": "1"}
    )
    assert parse_qs(urlsplit(denied.headers["location"]).query) == {"denied": [temporary["oauth_token"]]}
    assert provider.stats.denials == 1
    oob = dict(
        parse_qsl(signed_post(client, url, "/oauth1/request_token", extra={"oauth_callback": "oob"}).text)
    )
    shown = client.get("/oauth1/authorize", params={"oauth_token": oob["oauth_token"]})
    assert shown.status_code == 200 and shown.json()["oauth_verifier"]
    assert client.get("/oauth1/authorize", params={"oauth_token": "unknown"}).status_code == 400


def test_oauth1_faults(http):
    client, url, provider = http
    provider.fail_next("server_error", endpoint="request_token", status=500)
    assert (
        signed_post(client, url, "/oauth1/request_token", extra={"oauth_callback": CALLBACK}).status_code
        == 500
    )
    provider.fail_next("invalid_grant")
    provider.fail_next("deny")
    temporary = dict(
        parse_qsl(signed_post(client, url, "/oauth1/request_token", extra={"oauth_callback": CALLBACK}).text)
    )
    assert (
        "denied="
        in client.get("/oauth1/authorize", params={"oauth_token": temporary["oauth_token"]}).headers[
            "location"
        ]
    )
    with pytest.raises(OAuth1Error):
        provider.access_token("POST", url + "/oauth1/access_token", None)
    assert provider.stats.faults_triggered == 3
    assert run_flow(client, url)["oauth_token"]
