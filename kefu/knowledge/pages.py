"""The knowledge base management page: list, search, edit, versions, import/export, try an answer.

Server-rendered shell in the caller's language; the page's script (static/knowledge.js, no inline
script) calls the JSON API with the staff token the login page keeps in sessionStorage.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from kefu.web.i18n import negotiate

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

TEXT = {
    "zh": {
        "title": "知识库",
        "search": "搜索",
        "search_placeholder": "搜索问题或答案，例如：预售尾款什么时候付",
        "new": "新建条目",
        "question": "问题",
        "paraphrases": "相似问法（每行一个）",
        "answer": "答案（默认，支持 HTML）",
        "answer_chat": "在线客服短答案（可空）",
        "answer_email": "邮件长答案（可空）",
        "kind": "类型",
        "faq": "常见问题",
        "article": "文章",
        "tags": "标签（逗号分隔）",
        "campaign": "活动",
        "valid_from": "生效时间",
        "valid_until": "失效时间",
        "status": "状态",
        "draft": "草稿",
        "published": "已发布",
        "upcoming": "未生效",
        "ended": "已过期",
        "version": "版本",
        "note": "修改说明",
        "save": "保存",
        "publish": "发布",
        "unpublish": "撤回为草稿",
        "delete": "删除",
        "confirm_delete": "确定删除该条目？",
        "versions": "历史版本",
        "diff": "与上一版比较",
        "import": "导入",
        "export": "导出",
        "try": "试答",
        "try_placeholder": "输入顾客的问题，看机器人现在会怎么答",
        "confidence": "置信度",
        "no_results": "没有找到",
        "saved": "已保存",
        "imported": "已导入：新增 {created}，更新 {updated}，未变 {unchanged}",
        "more": "更多",
        "all": "全部",
        "back": "返回工作台",
        "campaigns": "活动问答（机器人主动教学）",
        "campaign_hint": "活动的小讲解或小测验：顾客问到活动（如「双11规则」）时机器人主动发起，在有效期内提供。",
        "campaign_new": "新建活动问答",
        "campaign_json": "活动问答（JSON）",
        "campaign_done": "完成 {completions} 次 · {customers} 位顾客",
        "campaign_bad_json": "JSON 格式有误：{error}",
    },
    "en": {
        "title": "Knowledge base",
        "search": "Search",
        "search_placeholder": "Search questions and answers, e.g. when is the presale balance due",
        "new": "New entry",
        "question": "Question",
        "paraphrases": "Paraphrases (one per line)",
        "answer": "Answer (default, HTML allowed)",
        "answer_chat": "Short answer for chat (optional)",
        "answer_email": "Long answer for email (optional)",
        "kind": "Kind",
        "faq": "FAQ",
        "article": "Article",
        "tags": "Tags (comma-separated)",
        "campaign": "Campaign",
        "valid_from": "Valid from",
        "valid_until": "Valid until",
        "status": "Status",
        "draft": "Draft",
        "published": "Published",
        "upcoming": "Not yet valid",
        "ended": "Expired",
        "version": "Version",
        "note": "Change note",
        "save": "Save",
        "publish": "Publish",
        "unpublish": "Back to draft",
        "delete": "Delete",
        "confirm_delete": "Delete this entry?",
        "versions": "Versions",
        "diff": "Compare with previous",
        "import": "Import",
        "export": "Export",
        "try": "Try an answer",
        "try_placeholder": "Type a customer's question to see what the bot would answer now",
        "confidence": "confidence",
        "no_results": "Nothing found",
        "saved": "Saved",
        "imported": "Imported: {created} new, {updated} updated, {unchanged} unchanged",
        "more": "More",
        "all": "All",
        "back": "Back to the workbench",
        "campaigns": "Campaign quizzes (the bot teaches the rules)",
        "campaign_hint": "A campaign's short explainer or quiz: the bot offers it when a customer "
        "asks about the campaign (e.g. “Double 11 rules”), inside its validity window.",
        "campaign_new": "New campaign quiz",
        "campaign_json": "Campaign quiz (JSON)",
        "campaign_done": "finished {completions} times · {customers} customers",
        "campaign_bad_json": "Invalid JSON: {error}",
    },
}


@router.get("/knowledge", response_class=HTMLResponse)
def knowledge_page(request: Request) -> HTMLResponse:
    lang = "zh" if negotiate(request).startswith("zh") else "en"
    response = templates.TemplateResponse(
        request,
        "knowledge.html",
        {"t": TEXT[lang], "text": TEXT[lang], "lang": "zh-CN" if lang == "zh" else "en"},
    )
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/knowledge/static/knowledge.js")
def knowledge_script() -> FileResponse:
    return FileResponse(HERE / "static" / "knowledge.js", media_type="text/javascript")


@router.get("/knowledge/static/campaigns.js")
def campaigns_script() -> FileResponse:
    """The page's campaign-quiz section (kefu.bot.campaigns)."""
    return FileResponse(HERE / "static" / "campaigns.js", media_type="text/javascript")
