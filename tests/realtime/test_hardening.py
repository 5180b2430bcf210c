"""Sockets that send garbage: an error frame for each bad frame, and the socket keeps serving."""

from __future__ import annotations

import pytest

from tests.realtime.conftest import customer_hello, expect, recv, shop_token

WIDGET = "/api/v1/widget/ws"


@pytest.mark.parametrize(
    "garbage",
    ["[" * 5_000, '{"a":' * 5_000, "[" * 50_000 + "]" * 10_000],
    ids=["arrays", "objects", "deep-and-long"],
)
def test_deeply_nested_json_is_an_error_frame_not_a_crash(client, shop, garbage):
    """JSON nested past the decoder's recursion limit raised RecursionError, not ValueError:
    the endpoint died with a server error (1011) instead of answering frame.invalid."""
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        cust.send_text(garbage[:60_000])
        assert expect(cust, "error")["code"] == "frame.invalid"
        cust.send_json({"type": "ping"})
        assert expect(cust, "pong")["skipped"] == []


def test_nested_json_as_the_hello_is_refused_like_any_bad_hello(client, shop):
    with client.websocket_connect(WIDGET) as cust:
        cust.send_text("[" * 5_000)
        assert recv(cust)["code"] == "frame.invalid"  # as for any frame that is not JSON
        assert recv(cust)["code"] == "hello.required"
        assert recv(cust) == {"type": "<close>", "code": 4401}


def test_a_binary_frame_is_an_error_frame_and_the_socket_stays(client, shop):
    """A binary frame (a mini-program SDK sending an ArrayBuffer) closed the socket without a
    word, and the client reconnected into the same close, over and over."""
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        cust.send_bytes(b'{"type":"ping"}')
        assert expect(cust, "error")["code"] == "frame.invalid"
        cust.send_json({"type": "ping"})
        assert expect(cust, "pong")["skipped"] == []
