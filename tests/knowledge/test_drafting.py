"""LLM drafting against a real OpenAI-compatible HTTP server on loopback: grounded in the KB,
personal data masked in the prompt, off by default, failures told plainly."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kefu.auth.models import Role
from kefu.knowledge import drafting
from kefu.runtime import Runtime
from tests.factories import World
from tests.knowledge.helpers import RETURNS, SHIPPING, make_entry
from tests.knowledge.test_assist import chat


class FakeModel:
    """What the endpoint received, and what it answers next (a reply text, or an HTTP status)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply: str | int = "亲，付款后 48 小时内发货，请耐心等待。"


@pytest.fixture
def model() -> Iterator[tuple[FakeModel, str]]:
    fake = FakeModel()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append({"path": self.path, "auth": self.headers["Authorization"], **body})
            if isinstance(fake.reply, int):
                self.send_response(fake.reply)
                self.end_headers()
                return
            out = json.dumps(
                {"choices": [{"message": {"role": "assistant", "content": fake.reply}}]}
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(out.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def configured(client: TestClient, url: str | None) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    client.app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={"llm_url": url, "llm_model": "shop-7b", "llm_api_key": "k-123"}
    )


def test_a_draft_is_grounded_in_the_kb_and_never_sees_personal_data(
    client: TestClient, runtime: Runtime, world: World, model: tuple[FakeModel, str]
) -> None:
    fake, url = model
    with runtime.sessions() as s:
        entry = make_entry(s, world, *SHIPPING[:2], paraphrases=SHIPPING[2])
        make_entry(s, world, *RETURNS[:2], paraphrases=RETURNS[2])
        conv = chat(
            s,
            world,
            ("c", "什么时候发货呀？我电话 13812345678，邮箱 zhang.wei@example.com"),
            ("c", "身份证 110101199003071234，卡号 6222021234567890123"),
        )
        s.commit()
        entry_id, conv_id = entry.id, conv.id
    configured(client, url)
    r = client.post(f"/api/v1/conversations/{conv_id}/draft", headers=world.headers())
    assert r.status_code == 200, r.text
    assert r.json() == {
        "text": "亲，付款后 48 小时内发货，请耐心等待。",
        "grounded_on": r.json()["grounded_on"],
        "model": "shop-7b",
    }
    assert r.json()["grounded_on"][0] == entry_id

    [sent] = fake.requests
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer k-123"
    assert sent["model"] == "shop-7b"
    prompt = json.dumps(sent["messages"], ensure_ascii=False)
    assert SHIPPING[1][:12] in prompt  # the passage it must answer from
    for secret in ("13812345678", "zhang.wei@", "110101199003071234", "6222021234567890123"):
        assert secret not in prompt
    assert "138****5678" in prompt and "z***@example.com" in prompt
    assert "什么时候发货" in prompt  # the question itself is there


def test_no_passage_no_call_and_no_answer_is_an_empty_draft(
    client: TestClient, runtime: Runtime, world: World, model: tuple[FakeModel, str]
) -> None:
    fake, url = model
    with runtime.sessions() as s:
        conv = chat(s, world, ("c", "你们老板是谁"))
        s.commit()
        conv_id = conv.id
    configured(client, url)
    r = client.post(f"/api/v1/conversations/{conv_id}/draft", headers=world.headers())
    assert r.status_code == 200 and r.json()["text"] == "" and fake.requests == []

    with runtime.sessions() as s:
        make_entry(s, world, *SHIPPING[:2], paraphrases=SHIPPING[2])
        other = chat(s, world, ("c", "什么时候发货"))
        s.commit()
        other_id = other.id
    fake.reply = f"{drafting.NO_ANSWER}"
    r = client.post(f"/api/v1/conversations/{other_id}/draft", headers=world.headers())
    assert r.status_code == 200 and r.json()["text"] == "" and len(fake.requests) == 1


def test_off_by_default_and_a_failing_endpoint_is_a_clear_502(
    client: TestClient, runtime: Runtime, world: World, model: tuple[FakeModel, str]
) -> None:
    fake, url = model
    with runtime.sessions() as s:
        make_entry(s, world, *SHIPPING[:2], paraphrases=SHIPPING[2])
        conv = chat(s, world, ("c", "什么时候发货"))
        s.commit()
        conv_id = conv.id
    path = f"/api/v1/conversations/{conv_id}/draft"
    off = client.post(path, headers=world.headers())
    assert off.status_code == 409 and "KEFU_LLM_URL" in off.json()["detail"]

    configured(client, url)
    fake.reply = 500
    failed = client.post(path, headers=world.headers(lang="en"))
    assert failed.status_code == 502 and "did not answer" in failed.json()["detail"]
    assert client.post(path, headers=world.headers(Role.analyst)).status_code == 403


def test_redaction_keeps_ordinary_numbers() -> None:
    assert drafting.redact("订单 20261111 买了 3 件，￥299") == "订单 20261111 买了 3 件，￥299"
    assert drafting.redact("+86 138-1234-5678") == "+86138****5678"


def test_the_workbench_offers_drafting_only_when_configured(client: TestClient) -> None:
    flag = 'id="suggestions" class="card" data-drafting="{}"'
    assert flag.format("") in client.get("/workbench").text
    configured(client, "http://127.0.0.1:9/v1")
    assert flag.format("1") in client.get("/workbench").text


# (what the customer wrote, what must not reach the model, what it reads instead)
PERSONAL = [
    ("手机１３８１２３４５６７８", "12345678", "手机138****5678"),
    ("手机 138.1234.5678 或 138 1234 5678", "1234", "手机 138****5678 或 138****5678"),
    ("座机010-62345678", "6234", "座机010****5678"),
    ("座机 0571-8888 6666", "8888", "座机 0571****6666"),
    ("卡号 6222 0210 0112 3456 789", "0210 0112", "卡号 6222***********6789"),
    ("卡号 6222-0210-0112-3456-789", "0210-0112", "卡号 6222***********6789"),
    ("身份证 110101 19900307 1234", "19900307", "身份证 1101**********1234"),
    ("身份证 １１０１０１１９９００３０７１２３Ｘ", "19900307", "身份证 1101**********123X"),
    ("寄到上海市浦东新区世纪大道100号5楼502室", "世纪大道", "寄到上海市浦东新区****"),
    ("地址：北京市朝阳区建国路88号院3号楼2单元1101", "建国路", "地址：北京市朝阳区****"),
    ("送到阳光小区5栋2单元502室，谢谢", "502", "送到****，谢谢"),
    ("浙江省杭州市西湖区文三路 90 号 A座 1201室", "文三路", "浙江省杭州市西湖区****"),
]


@pytest.mark.parametrize(("text", "secret", "masked"), PERSONAL)
def test_redaction_masks_numbers_however_written_and_addresses(
    text: str, secret: str, masked: str
) -> None:
    out = drafting.redact(text)
    assert secret not in out and out == masked


def test_redaction_keeps_what_is_not_personal() -> None:
    kept = [
        "11月3号能到吗？放在3楼就行，我知道3号发货",
        "活动 2026-11-05 至 2026-11-12，满 300 减 40，买了 2 件",
        "已经是138****5678了，卡号 6222***********6789",  # masked stays masked, as it was
        "全角标点，保持原样：￥２９９！",
    ]
    for text in kept:
        assert drafting.redact(text) == text


def test_redaction_takes_linear_time_on_long_runs() -> None:
    # Tried at every character, a pattern that rescans the rest of the run is quadratic.
    # 20 000 characters take some 0.05 s; quadratic, seconds.
    for run in ("1" * 20_000, "1-" * 10_000, "a" * 20_000, "路1号" * 7_000, "大" * 20_000):
        started = time.perf_counter()
        drafting.redact(run)
        assert time.perf_counter() - started < 0.5, run[:8]
