"""The audit log as people read it: each action in Japanese (「お知らせを承認」), who, when, what
it concerns (a link), and the change as 「項目：前 → 後」 with the forms' own field labels.
Filters by person, kind and period; the same as CSV for the city's records."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from sqlmodel import Session, col, select
from wtforms.fields.core import UnboundField

from service.assistant.models import Answer
from service.assistant.staff_forms import AnswerForm
from service.bookings.models import Event
from service.bookings.staff_forms import EventForm
from service.calendar.plain_rules import read_rrule
from service.csv_files import csv_text
from service.models import AuditEvent, Notice, Source, StaffUser, Topic
from service.staff.forms import (
    LineAccountForm,
    NoticeForm,
    OrganisationForm,
    SourceForm,
    StaffForm,
    TopicForm,
)
from service.support.models import Desk, Programme
from service.support.staff_forms import AnswerTemplateForm, DeskForm, ProgrammeForm

KINDS = {
    "notice": "お知らせ",
    "topic": "テーマ",
    "source": "QRコードの場所",
    "organisation": "自治体の設定",
    "staff": "職員",
    "api_token": "APIトークン",
    "desk": "窓口",
    "programme": "制度",
    "answer_template": "回答の定型文",
    "catalogue": "制度と窓口の読み込み",
    "request": "相談の申し込み",
    "event": "行事",
    "slot": "行事の回",
    "subscribers": "登録者の取り込み",
    "answer": "質問への回答",
    "allowance_table": "手当の目安の表",
}
ACTIONS = {
    "notice.create": "お知らせを作成",
    "notice.save": "お知らせを編集",
    "notice.submit": "お知らせの承認を依頼",
    "notice.approve": "お知らせを承認",
    "notice.return": "お知らせを差し戻し",
    "notice.pause": "お知らせの配信を一時停止",
    "notice.resume": "お知らせの配信を再開",
    "notice.archive": "お知らせを取り下げ",
    "notice.test": "お知らせをテスト送信",
    "notice.cancel_occurrence": "お知らせの1回分を取り消し",
    "topic.create": "テーマを作成",
    "topic.save": "テーマを編集",
    "topic.up": "テーマの順番を上げる",
    "topic.down": "テーマの順番を下げる",
    "topic.retire": "テーマの受付を終了",
    "topic.restore": "テーマの受付を再開",
    "source.create": "QRコードの場所を作成",
    "organisation.save": "自治体の設定を変更",
    "staff.create": "職員を追加",
    "staff.deactivate": "職員を無効にする",
    "staff.activate": "職員を有効にする",
    "staff.login": "ログイン",
    "staff.login_failed": "ログインに失敗",
    "staff.logout": "ログアウト",
    "staff.password": "パスワードを変更",
    "staff.2fa_on": "二段階認証を設定",
    "staff.2fa_off": "二段階認証を解除",
    "staff.recovery_codes": "二段階認証の復旧用コードを作り直し",
    "staff.recovery_code": "復旧用コードでログイン",
    "staff.code_failed": "確認コードの誤り",
    "staff.locked": "確認コードの誤りが続きロック",
    "staff.unlock": "職員のロックを解除",
    "staff.reset_2fa": "職員の二段階認証をリセット",
    "staff.password_reset": "パスワードを再設定（メールのリンクから）",
    "staff.notifications": "メールでのお知らせの設定を変更",
    "api_token.create": "APIトークンを発行",
    "api_token.revoke": "APIトークンを無効にする",
    "desk.save": "窓口を保存",
    "programme.save": "制度を保存",
    "answer.save": "質問への回答を保存",
    "synonyms.save": "言い換えを保存",
    "crisis_words.save": "危険を知らせる言葉を保存",
    "answers.import": "質問への回答をファイルから取り込み",
    "card.open": "相談カードを開いた",
    "card.create": "戸籍窓口で相談カードを作成",
    "allowance_table.create": "手当の目安の表を追加",
    "allowance_table.delete": "手当の目安の表を削除",
    "answer_template.create": "回答の定型文を追加",
    "answer_template.delete": "回答の定型文を削除",
    "catalogue.import": "制度と窓口を読み込み",
    "subscribers.import": "登録者を取り込み",
    "line_account.save": "LINE公式アカウントを設定",
    "line_account.remove": "LINE公式アカウントの設定を外す",
    "line_account.menu": "LINEのリッチメニューを設定",
    "request.open": "相談の申し込みを開く",
    "request.assign": "相談の担当になる",
    "request.contacted": "相談者に連絡済み",
    "request.note": "相談にメモを追加",
    "request.answer": "相談者に回答を送信",
    "request.transfer": "相談を別の窓口に引き継ぎ",
    "request.close": "相談を完了",
    "event.save": "行事を保存",
    "event.cancel": "行事を中止",
    "slot.open": "当日の名簿を開く",
    "slot.csv": "当日の名簿をCSVで書き出し",
    "slot.attended": "出席を記録",
    "slot.absent": "欠席を記録",
    "slot.clear": "出欠の記録を取り消し",
    "slot.news": "予約者にお知らせを送信",
    "slot.cancel": "行事の回を中止",
}
# Where the object an event concerns is seen in the console.
PAGES = {
    "notice": "staff.notice",
    "topic": "staff.topic",
    "request": "staff.request_detail",
    "desk": "staff.desk",
    "programme": "staff.programme",
    "event": "staff.event_detail",
    "slot": "staff.slot_day",
    "answer": "staff.answer",
}
PAGE_ARGUMENT = {
    "notice": "notice_id",
    "topic": "topic_id",
    "request": "request_id",
    "desk": "desk_id",
    "programme": "programme_id",
    "event": "event_id",
    "slot": "slot_id",
    "answer": "answer_id",
}
# Fields the forms do not name.
EXTRA_FIELDS = {
    "status": "状態",
    "topics": "テーマ",
    "desk": "窓口",
    "told": "知らせた人数",
    "by": "操作した場所",
    "reason": "理由",
    "email": "メールアドレス",
    "role": "役割",
    "department": "担当課",
    "name": "名前",
    "desks": "窓口",
    "programmes": "制度",
    "book_event_id": "「予約する」の行事",
    "desk_id": "窓口",
    "public_id": "公開コード",
    "organisation_id": "自治体",
    "id": "番号",
    "slug": "識別名",
    "closed_days": "閉庁日",
    "reminders": "リマインダー",
    "questions": "質問",
    "contributors": "書いた職員",
    "notify_by_email": "メールで受け取る",
    "new": "新しく登録",
    "already_here": "登録済み",
    "suppressed": "配信停止の記録があり取り込まず",
    "invalid": "取り込めなかった行",
    "file": "ファイル",
    "rich_menu_id": "リッチメニュー",
}
VALUES = {
    "draft": "下書き",
    "submitted": "承認待ち",
    "scheduled": "配信予約済み",
    "paused": "一時停止中",
    "archived": "アーカイブ",
    "once": "日時を指定して1回",
    "rrule": "繰り返し",
    "relative": "登録日から○日後",
    "join": "登録したとき",
    "none": "そのまま",
    "previous": "前の開庁日",
    "next": "次の開庁日",
    "email": "メール",
    "webpush": "端末への通知",
    "line": "LINE",
    "admin": "管理者",
    "editor": "編集者",
    "viewer": "閲覧者",
    "counter": "戸籍窓口",
    "new": "新規",
    "assigned": "担当決定",
    "in_contact": "連絡済み",
    "closed": "完了",
    "withdrawn": "取り下げ",
    "active": "受付中",
    "cancelled": "中止",
    "command line": "コマンドライン",
    "console": "管理画面",
}
LONGEST = 120  # characters of a value shown; the CSV keeps them whole


def _form_labels(*forms: type) -> dict[str, str]:
    labels: dict[str, str] = {}
    for form in forms:
        for name in dir(form):
            field = getattr(form, name, None)
            if isinstance(field, UnboundField):
                label = field.args[0] if field.args else field.kwargs.get("label", "")
                labels.setdefault(
                    name, str(label).split("（")[0] if name == "rrule" else str(label)
                )
    return labels


FIELDS = {
    **EXTRA_FIELDS,
    **_form_labels(
        NoticeForm,
        TopicForm,
        SourceForm,
        OrganisationForm,
        StaffForm,
        DeskForm,
        ProgrammeForm,
        AnswerTemplateForm,
        EventForm,
        LineAccountForm,
        AnswerForm,
    ),
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    when: datetime
    who: str
    action: str
    target: str
    link: str
    changes: tuple[Change, ...]


def action_name(action: str) -> str:
    return ACTIONS.get(action) or f"{KINDS.get(action.split('.')[0], 'その他')}の操作"


_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def value_words(value: Any, whole: bool = False, tz: ZoneInfo | None = None) -> str:
    if value is None or value == "" or value == []:
        return "（なし）"
    if isinstance(value, str) and _MOMENT.match(value):  # a time as the log keeps it
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None and tz is not None:
            moment = moment.astimezone(tz)
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment.hour}:{moment.minute:02d}"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(value_words(item, whole, tz) for item in value)
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    words = VALUES.get(value, str(value)) if isinstance(value, str) else str(value)
    return words if whole or len(words) <= LONGEST else words[: LONGEST - 1] + "…"


def _repeat_words(rule: Any) -> Any:
    """A repeat as staff chose it (「奇数月（1・3・5・7・9・11月）の1日 9:00」); a rule the
    words cannot say stays as written."""
    plain, at = read_rrule(rule) if isinstance(rule, str) else (None, None)
    if plain is None:
        return rule
    return plain.words() + (f" {at.hour}:{at.minute:02d}" if at else "")


def changes(
    detail: Mapping[str, Any],
    *,
    whole: bool = False,
    tz: ZoneInfo | None = None,
    topics: Mapping[int, str] | None = None,
) -> tuple[Change, ...]:
    """What changed: each field whose value differs, before → after; a new object's filled-in
    fields, after only. Topic ids read as their names."""
    before = detail.get("before") or {}
    after = detail.get("after") or {}
    rows = []
    for name in [*after, *(name for name in before if name not in after)]:
        old, new = before.get(name), after.get(name)
        if old == new or (not before and new in (None, "", [], False)):
            continue
        if name == "rrule":
            old, new = _repeat_words(old), _repeat_words(new)
        if name == "topics" and topics is not None:
            old, new = (
                [topics.get(t, t) for t in v] if isinstance(v, list) else v for v in (old, new)
            )
        rows.append(
            Change(
                FIELDS.get(name, "その他の項目"),
                value_words(old, whole, tz) if name in before else "",
                value_words(new, whole, tz) if name in after else "（削除）",
            )
        )
    return tuple(rows)


def target_words(target: str, named: Mapping[str, str]) -> tuple[str, str]:
    """「お知らせ「現況届のお知らせ」」 (or 「お知らせ 12」 once it is gone) and the console page
    it is on (or "")."""
    kind, _, number = target.partition(":")
    if kind not in KINDS:
        return target, ""
    link = ""
    if kind in PAGES and number.isdigit():
        values: dict[str, Any] = {PAGE_ARGUMENT[kind]: int(number)}
        link = url_for(PAGES[kind], **values)
    return named.get(target) or f"{KINDS[kind]} {number}", link


@dataclass(frozen=True)
class Filters:
    staff_id: int | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def read(cls, args: Mapping[str, str]) -> Filters:
        def day(value: str | None) -> date | None:
            try:
                return date.fromisoformat(value) if value else None
            except ValueError:
                return None

        staff = args.get("staff", "")
        kind = args.get("kind", "")
        return cls(
            int(staff) if staff.isdigit() and len(staff) < 10 else None,
            kind if kind in KINDS else "",
            day(args.get("since")),
            day(args.get("until")),
        )

    def query_args(self) -> dict[str, str]:
        return {
            key: value
            for key, value in {
                "staff": str(self.staff_id or ""),
                "kind": self.kind,
                "since": self.since.isoformat() if self.since else "",
                "until": self.until.isoformat() if self.until else "",
            }.items()
            if value
        }


def audit_rows(
    session: Session,
    organisation_id: int,
    filters: Filters,
    tz: ZoneInfo,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> Sequence[tuple[AuditEvent, str | None]]:
    query = (
        select(AuditEvent, StaffUser.email)
        .outerjoin(StaffUser, col(StaffUser.id) == AuditEvent.staff_user_id)
        .where(AuditEvent.organisation_id == organisation_id)
    )
    if filters.staff_id is not None:
        query = query.where(AuditEvent.staff_user_id == filters.staff_id)
    if filters.kind:
        query = query.where(col(AuditEvent.action).startswith(f"{filters.kind}."))
    if filters.since:
        query = query.where(
            col(AuditEvent.created_at) >= datetime.combine(filters.since, time(), tz)
        )
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), tz)
        query = query.where(col(AuditEvent.created_at) < end)
    query = query.order_by(col(AuditEvent.id).desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return session.execute(query).all()  # type: ignore[return-value]


def _named(value: Any, names: Mapping[int, str]) -> Any:
    return [names.get(item, item) for item in value] if isinstance(value, list) else value


@dataclass(frozen=True)
class Names:
    """What the log's ids stand for: topics in changes, and the things acted on by their
    title (「お知らせ「現況届のお知らせ」」, not 「お知らせ 22」)."""

    topics: Mapping[int, str]
    targets: Mapping[str, str]


# The kinds whose rows have a name, and its column.
_NAMED: dict[str, tuple[Any, Any]] = {
    "notice": (Notice, Notice.title),
    "topic": (Topic, Topic.name_ja),
    "event": (Event, Event.title_ja),
    "desk": (Desk, Desk.name_ja),
    "programme": (Programme, Programme.name_ja),
    "answer": (Answer, Answer.question_ja),
    "source": (Source, Source.name),
}


def names(
    session: Session, organisation_id: int, rows: Iterable[tuple[AuditEvent, str | None]]
) -> Names:
    topics = session.exec(
        select(Topic.id, Topic.name_ja).where(Topic.organisation_id == organisation_id)
    ).all()
    wanted: dict[str, set[int]] = {}
    for event, _ in rows:
        kind, _, number = event.target.partition(":")
        if kind in _NAMED and number.isdigit() and len(number) < 10:
            wanted.setdefault(kind, set()).add(int(number))
    targets = {}
    for kind, ids in wanted.items():
        table, name = _NAMED[kind]
        for row_id, title in session.exec(
            select(table.id, name).where(
                col(table.id).in_(ids), table.organisation_id == organisation_id
            )
        ).all():
            targets[f"{kind}:{row_id}"] = f"{KINDS[kind]}「{title}」"
    return Names({topic_id or 0: name for topic_id, name in topics}, targets)


def who(event: AuditEvent, email: str | None) -> str:
    if email:
        return email
    if (event.detail.get("after") or {}).get("by") == "command line":
        return "コマンドライン"
    return "（削除された職員）"


def entries(
    rows: Iterable[tuple[AuditEvent, str | None]], tz: ZoneInfo, named: Names
) -> list[Entry]:
    listed = []
    for event, email in rows:
        target, link = target_words(event.target, named.targets)
        listed.append(
            Entry(
                event.created_at.astimezone(tz),
                who(event, email),
                action_name(event.action),
                target,
                link,
                changes(event.detail, tz=tz, topics=named.topics),
            )
        )
    return listed


def audit_csv(rows: Iterable[tuple[AuditEvent, str | None]], tz: ZoneInfo, named: Names) -> str:
    lines = []
    for event, email in rows:
        when = event.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        target, _ = target_words(event.target, named.targets)
        base = [when, who(event, email), action_name(event.action), target]
        found = changes(event.detail, whole=True, tz=tz, topics=named.topics)
        for change in found or (Change("", "", ""),):
            lines.append([*base, change.field, change.before, change.after])
    return csv_text(["日時", "職員", "操作", "対象", "項目", "変更前", "変更後"], lines)
