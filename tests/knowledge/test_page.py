"""The management page: served in both languages, its script from the same origin only."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient


def test_page_in_chinese_and_english(client: TestClient) -> None:
    zh = client.get("/knowledge")
    assert zh.status_code == 200 and "知识库" in zh.text and 'lang="zh-CN"' in zh.text
    assert "script-src 'self'" in zh.headers["content-security-policy"]
    assert '<a href="/workbench">返回工作台</a>' in zh.text  # back where it says, not to /
    en = client.get("/knowledge", params={"lang": "en"})
    assert "Knowledge base" in en.text and 'lang="en"' in en.text
    script = client.get("/knowledge/static/knowledge.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "innerHTML" not in script.text.replace("never innerHTML", "")
    assert "/knowledge" not in client.get("/openapi.json").json()["paths"]


def test_the_page_has_the_campaign_quiz_section(client: TestClient) -> None:
    zh = client.get("/knowledge")
    assert "活动问答（机器人主动教学）" in zh.text and "/knowledge/static/campaigns.js" in zh.text
    assert "Campaign quizzes" in client.get("/knowledge", params={"lang": "en"}).text
    script = client.get("/knowledge/static/campaigns.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "/api/v1/bot/campaigns" in script.text and "innerHTML" not in script.text


def test_the_page_reads_a_gbk_file_as_gbk_and_utf8_as_utf8(client: TestClient) -> None:
    # Excel on Chinese Windows saves CSV as GBK; file.text() would read it as UTF-8 and send
    # U+FFFD for every Chinese character. The page's own decoder runs here under Node.
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    script = client.get("/knowledge/static/knowledge.js").text
    found = re.search(r"^async function readText\(file\) \{$.*?^\}$", script, re.M | re.S)
    assert found, "knowledge.js has no readText(file)"
    csv = "question,answer\n怎么退货,七天无理由退货\n"
    files = {
        "gbk": list(csv.encode("gb18030")),
        "utf8_bom": list(("\ufeff" + csv).encode()),
        "utf8": list(csv.encode()),
    }
    program = (
        found.group()
        + f"\nconst files = {json.dumps(files)};\n"
        + "(async () => { const out = {};\n"
        + "  for (const [name, bytes] of Object.entries(files))\n"
        + "    out[name] = await readText(new Blob([Uint8Array.from(bytes)]));\n"
        + "  console.log(JSON.stringify(out)); })();\n"
    )
    done = subprocess.run(
        [node, "-e", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) == {"gbk": csv, "utf8_bom": csv, "utf8": csv}
