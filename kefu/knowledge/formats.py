"""KB files: CSV, JSON and Markdown, parsed into records and written from them (no database).

Every record is a dict of `EntryCreate` fields; `where` says where it came from ("row 3",
"line 12", "entry 2") so that a bad file is refused with a place and a reason.

The Markdown format, one entry per `## ` heading (text before the first heading is ignored):

    ## 预售尾款什么时候付？

    - kind: faq
    - status: published
    - tags: 双11, 预售
    - campaign: double11-2026
    - valid_from: 2026-10-20T00:00:00+00:00
    - valid_until: 2026-11-12T00:00:00+00:00
    - paraphrases:
      - 尾款几号付
      - 定金付了尾款啥时候交

    The answer (HTML allowed), up to the next heading.

    ### chat

    The short answer for chat (optional).

    ### email

    The long answer for email (optional).

The field list directly follows the heading and ends at a blank line; every field is optional,
and a first line of the form `- name: value` always opens it (an unknown name is an error).
A variant heading is a line that reads exactly `### chat` or `### email` (trailing spaces allowed).
Answer lines that begin with `#` or `\\`, after any indentation, are written with a `\\` in
front, which the parser drops. Lines end at `\n` (or `\r\n`) only: other Unicode line
separators (U+2028, U+0085, …) are text.

CSV is opened in spreadsheets, which run a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula (CSV injection). The writer puts a `'` in front of such a cell
(OWASP's advice) — and of one that already starts with quotes before such a character — and the
parser takes one `'` off a cell that starts with quotes before such a character, so an export
imports back to the very text it was written from.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

CSV_COLUMNS = (
    "question",
    "paraphrases",
    "answer",
    "answer_chat",
    "answer_email",
    "kind",
    "status",
    "tags",
    "campaign",
    "valid_from",
    "valid_until",
)
META_KEYS = ("kind", "status", "tags", "campaign", "valid_from", "valid_until")
JSON_FORMAT = "kefu.knowledge/1"
_FIELD_LINE = re.compile(r"^- [a-z_]+:")
# A cell a spreadsheet would run as a formula, after any quotes a writer put in front.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
VARIANTS = {"### chat": "answer_chat", "### email": "answer_email"}


def lines(text: str) -> list[str]:
    """`text` split at line ends. Not `str.splitlines()`: it also splits at U+2028, U+0085 and
    other characters a question, paraphrase or answer may hold, and the text would come back
    cut in two."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


class FormatError(ValueError):
    def __init__(self, where_zh: str, where_en: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{where_en}: {reason_en}")
        self.zh = f"{where_zh}：{reason_zh}"
        self.en = f"{where_en}: {reason_en}"


@dataclass(frozen=True)
class Record:
    where_zh: str
    where_en: str
    fields: dict[str, Any]


# --- CSV ----------------------------------------------------------------------------------------


def parse_csv(content: str) -> list[Record]:
    """Header row with CSV_COLUMNS (question and answer required); paraphrases one per line."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff"), newline=""))
    header = reader.fieldnames or []
    missing = [c for c in ("question", "answer") if c not in header]
    if missing:
        raise FormatError(
            "第 1 行",
            "row 1",
            f"缺少列 {', '.join(missing)}",
            f"missing column(s) {', '.join(missing)}",
        )
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        raise FormatError(
            "第 1 行",
            "row 1",
            f"未知的列 {', '.join(unknown)}",
            f"unknown column(s) {', '.join(unknown)}",
        )
    records = []
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise FormatError(
                    f"第 {line} 行", f"row {line}", "列数多于表头", "more cells than the header"
                )
            cells = {k: _unquote(v or "") for k, v in row.items()}
            if not any(v.strip() for v in cells.values()):
                continue
            fields: dict[str, Any] = {
                k: v for k, v in cells.items() if v != "" and k not in ("paraphrases", "tags")
            }
            fields["paraphrases"] = [
                p.strip() for p in lines(cells.get("paraphrases", "")) if p.strip()
            ]
            fields["tags"] = _split_tags(cells.get("tags", ""))
            records.append(Record(f"第 {line} 行", f"row {line}", fields))
    except csv.Error as exc:
        raise FormatError(
            f"第 {reader.line_num} 行",
            f"row {reader.line_num}",
            f"CSV 格式错误（{exc}）",
            f"malformed CSV ({exc})",
        ) from exc
    return records


def write_csv(records: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    # CRLF rows (RFC 4180) also make the writer quote a cell holding a lone CR, which a reader
    # would otherwise take for the end of the row: the rest would start a cell of its own.
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for r in records:
        row = {k: _cell(r.get(k)) for k in CSV_COLUMNS}
        row["paraphrases"] = "\n".join(r.get("paraphrases", []))
        row["tags"] = ", ".join(r.get("tags", []))
        writer.writerow({k: _quote(v) for k, v in row.items()})
    return out.getvalue()


def _quote(cell: str) -> str:
    return "'" + cell if _FORMULA.match(cell) else cell


def _unquote(cell: str) -> str:
    # Only a quote that _quote could have put there: "'hello" and "it's" stay as they are.
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell) else cell


# --- JSON ---------------------------------------------------------------------------------------


def parse_json(content: str) -> list[Record]:
    """`{"format": "kefu.knowledge/1", "entries": [...]}` or a bare list of entries."""
    try:
        # A BOM is dropped as the CSV and Markdown parsers drop it (Windows editors write one).
        doc = json.loads(content.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"第 {exc.lineno} 行",
            f"line {exc.lineno}",
            f"JSON 格式错误（{exc.msg}）",
            f"malformed JSON ({exc.msg})",
        ) from exc
    except RecursionError as exc:  # json.loads recurses once per nested bracket
        raise FormatError(
            "文件", "file", "JSON 格式错误（嵌套层数过多）", "malformed JSON (nested too deeply)"
        ) from exc
    except ValueError as exc:  # an integer literal beyond Python's digit limit (4300)
        raise FormatError(
            "文件", "file", "JSON 格式错误（数字位数过多）", "malformed JSON (a number is too long)"
        ) from exc
    entries = doc.get("entries") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise FormatError(
            "文件",
            "file",
            "应为条目列表或含 entries 的对象",
            'expected a list of entries or an object with "entries"',
        )
    records = []
    for n, item in enumerate(entries, start=1):
        if not isinstance(item, dict):
            raise FormatError(
                f"第 {n} 条", f"entry {n}", "应为 JSON 对象", "expected a JSON object"
            )
        records.append(Record(f"第 {n} 条", f"entry {n}", item))
    return records


def write_json(records: Iterable[dict[str, Any]]) -> str:
    doc = {"format": JSON_FORMAT, "entries": [_plain(r) for r in records]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# --- Markdown -----------------------------------------------------------------------------------


def parse_markdown(content: str) -> list[Record]:
    text = lines(content.lstrip("\ufeff"))
    starts = [i for i, line in enumerate(text) if line.startswith("## ")]
    records = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(text)
        records.append(_md_entry(text, start, end))
    if not records:
        raise FormatError(
            "文件", "file", "没有以「## 」开头的条目", 'no entry (a line starting with "## ")'
        )
    return records


def _md_entry(lines: list[str], start: int, end: int) -> Record:
    where_zh, where_en = f"第 {start + 1} 行", f"line {start + 1}"
    fields: dict[str, Any] = {"question": lines[start][3:].strip(), "paraphrases": [], "tags": []}
    i = start + 1
    while i < end and not lines[i].strip():
        i += 1
    if i < end and _is_meta(lines[i]):
        in_paraphrases = False
        while i < end and lines[i].strip():
            line = lines[i]
            if in_paraphrases and line.startswith("  - "):
                fields["paraphrases"].append(line[4:].strip())
            elif line.startswith("- ") and ":" in line:
                key, _, value = line[2:].partition(":")
                key, value = key.strip(), value.strip()
                in_paraphrases = key == "paraphrases"
                if in_paraphrases and value:
                    raise FormatError(
                        f"第 {i + 1} 行",
                        f"line {i + 1}",
                        "其他问法应写在「- paraphrases:」下方，每行一条「  - 问法」",
                        'list paraphrases below "- paraphrases:", one "  - text" line each',
                    )
                if key == "tags":
                    fields["tags"] = _split_tags(value)
                elif key in META_KEYS:
                    fields[key] = value
                elif not in_paraphrases:
                    raise FormatError(
                        f"第 {i + 1} 行",
                        f"line {i + 1}",
                        f"未知的字段「{key}」",
                        f'unknown field "{key}"',
                    )
            else:
                raise FormatError(
                    f"第 {i + 1} 行",
                    f"line {i + 1}",
                    "字段行应为「- 名称: 值」",
                    'a field line reads "- name: value"',
                )
            i += 1
    section = "answer"
    body: dict[str, list[str]] = {"answer": [], "answer_chat": [], "answer_email": []}
    for line in lines[i:end]:
        # Exactly the heading: an indented "### chat" is answer text (the writer escapes it
        # anyway), not the start of the chat variant.
        if line.rstrip() in VARIANTS:
            section = VARIANTS[line.rstrip()]
            continue
        body[section].append(line[1:] if line.startswith("\\") else line)
    for key, text in body.items():
        value = "\n".join(text).strip()
        if value or key == "answer":
            fields[key] = value
    return Record(where_zh, where_en, fields)


def _is_meta(line: str) -> bool:
    # Any "- name: value" opens the field list, so that a misspelt field is an error, not answer.
    return _FIELD_LINE.match(line) is not None


def write_markdown(records: Iterable[dict[str, Any]], *, title: str = "") -> str:
    parts = [f"# {title}\n"] if title else []
    parts += [markdown_entry(r) for r in records]
    return "\n".join(parts)


def markdown_entry(r: dict[str, Any]) -> str:
    """One entry in the Markdown format (also the text that version diffs compare)."""
    out = [f"## {r['question']}", ""]
    for key in META_KEYS:
        value = r.get(key)
        if key == "tags":
            value = ", ".join(value or [])
        if value not in (None, ""):
            out.append(f"- {key}: {_cell(value)}")
    if r.get("paraphrases"):
        out.append("- paraphrases:")
        out += [f"  - {p}" for p in r["paraphrases"]]
    out.append("")
    out += _escape(r.get("answer", ""))
    for heading, key in VARIANTS.items():
        if r.get(key):
            out += ["", heading, ""] + _escape(r[key])
    return "\n".join(out) + "\n"


def _escape(text: str) -> list[str]:
    # Indented lines too: a reader (or an older kefu) may take "  ### chat" for a heading.
    return [
        ("\\" + line) if line.lstrip().startswith(("#", "\\")) else line for line in lines(text)
    ]


# --- shared -------------------------------------------------------------------------------------


def check_text(content: str) -> None:
    """Refuse text that was not UTF-8: decoding such a file replaces what it cannot read with
    U+FFFD (a browser's `file.text()` does), and the entries would be stored garbled."""
    at = content.find("\ufffd")
    if at >= 0:
        line = content.count("\n", 0, at) + 1
        raise FormatError(
            f"第 {line} 行",
            f"line {line}",
            "文件不是 UTF-8 文本（含无法识别的字符 �）；请将文件另存为 UTF-8 编码后再导入",
            "the file is not UTF-8 text (it holds the replacement character �); "
            "save it as UTF-8 and import it again",
        )


def _split_tags(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(getattr(value, "value", value))


def _plain(r: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (_cell(v) if hasattr(v, "isoformat") or hasattr(v, "value") else v) for k, v in r.items()
    }
