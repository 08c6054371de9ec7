"""NetSuite token-based authentication: OAuth 1.0a signing checked against published vectors and NetSuite's format."""

from __future__ import annotations

import httpx

from erp_orders.connectors.netsuite import oauth


def test_signature_matches_the_oauth_core_1_0_appendix_a_vector():
    # OAuth Core 1.0, Appendix A.5: GET http://photos.example.net/photos?file=vacation.jpg&size=original
    params = {"oauth_consumer_key": "dpf43f3p2l4k3l03", "oauth_token": "nnch734d00sl2jdk",
              "oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "1191242096",
              "oauth_nonce": "kllo9940pd9333jh", "oauth_version": "1.0"}
    base = oauth.signature_base_string("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", params)
    assert base == ("GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3D"
                    "dpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26"
                    "oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal")
    assert oauth.sign(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", "HMAC-SHA1") == "tR3+Ty81lMeYAr/Fid0kMTYa/WM="


def test_signature_matches_twitters_published_example_with_a_form_body_and_reserved_characters():
    # Twitter "Creating a signature" (POST https://api.twitter.com/1/statuses/update.json), signature tnnArxj06cWHq44gCs1OSKk/jLY=
    params = {"oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog", "oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
              "oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "1318622958",
              "oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", "oauth_version": "1.0"}
    base = oauth.signature_base_string(
        "POST", "https://api.twitter.com/1/statuses/update.json?include_entities=true", params,
        body_params=[("status", "Hello Ladies + Gentlemen, a signed OAuth request!")])
    assert base.endswith("status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521")
    signature = oauth.sign(base, "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
                           "HMAC-SHA1")
    assert signature == "tnnArxj06cWHq44gCs1OSKk/jLY="


def test_base_string_uri_drops_default_ports_and_query_and_lowercases_the_host():
    assert oauth.base_string_uri("HTTPS://1234567-SB1.SuiteTalk.api.netsuite.com:443/services/rest/record/v1/salesOrder?limit=1") == \
        "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/salesOrder"
    assert oauth.base_string_uri("http://localhost:8123/sandbox/netsuite/x") == "http://localhost:8123/sandbox/netsuite/x"


def test_header_has_netsuites_fields_with_the_account_as_unsigned_realm_and_sha256():
    header = oauth.authorization_header(
        method="GET", url="https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/salesOrder/eid:SF-1",
        realm="1234567_SB1", consumer_key="ck", consumer_secret="cs", token_id="tk", token_secret="ts",
        nonce="fjaLirsIcCGVZWzBX0pg", timestamp=1508242306)
    params = oauth.parse_authorization(header)
    assert header.startswith('OAuth realm="1234567_SB1", oauth_consumer_key="ck", oauth_token="tk"')
    assert params["oauth_signature_method"] == "HMAC-SHA256" and params["oauth_version"] == "1.0"
    assert (params["oauth_nonce"], params["oauth_timestamp"]) == ("fjaLirsIcCGVZWzBX0pg", "1508242306")
    base = oauth.signature_base_string("GET", "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/"
                                       "salesOrder/eid:SF-1", {**params, "realm": "other"})
    assert "realm" not in base and params["oauth_signature"] == oauth.sign(base, "cs", "ts")
    assert len(params["oauth_signature"]) == 44  # base64 of 32 bytes: SHA-256, not SHA-1


def test_signature_is_percent_encoded_in_the_header_and_decoded_when_parsed():
    header = oauth.authorization_header(method="POST", url="https://x.example/a", realm="1", consumer_key="c",
                                        consumer_secret="s", token_id="t", token_secret="u", nonce="abcdefgh",
                                        timestamp=1)
    raw = header.split('oauth_signature="')[1].rstrip('"')
    assert "+" not in raw and "/" not in raw and "=" not in raw  # %2B, %2F, %3D
    assert oauth.parse_authorization(header)["oauth_signature"].endswith("=")


def test_token_auth_signs_each_request_with_a_fresh_nonce_and_its_query():
    auth = oauth.TokenAuth(realm="1234567_SB1", consumer_key="ck", consumer_secret="cs", token_id="tk", token_secret="ts")
    sent = []
    with httpx.Client(auth=auth, transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))) as client:
        client.get("https://a.example/services/rest/record/v1/currency", params={"q": 'symbol IS "USD"'})
        client.get("https://a.example/services/rest/record/v1/currency", params={"q": 'symbol IS "USD"'})
    first, second = (oauth.parse_authorization(r.headers["Authorization"]) for r in sent)
    assert first["oauth_nonce"] != second["oauth_nonce"]
    base = oauth.signature_base_string("GET", str(sent[0].url), first)
    assert "q%3Dsymbol%2520IS%2520%2522USD%2522" in base
    assert first["oauth_signature"] == oauth.sign(base, "cs", "ts")


def test_anything_but_an_oauth_header_is_not_parsed():
    assert oauth.parse_authorization("Basic dXNlcjpwYXNz") is None
    assert oauth.parse_authorization('OAuth realm=unquoted') is None
    assert oauth.parse_authorization("") is None
