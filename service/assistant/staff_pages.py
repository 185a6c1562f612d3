"""The assistant in the console: the answers staff keep (editors for their department's desks,
admins for all; every change audited), what parents asked that found no good answer, and the
synonyms. A change reaches every process's index with the next question."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, col, delete, select
from wtforms import SelectChoice

from service import get_session
from service.assistant.crisis import CRISIS_WORDS
from service.assistant.models import Answer, CrisisWord, Synonym, Unanswered, with_desk
from service.assistant.staff_forms import AnswerForm, CrisisWordsForm, SynonymsForm
from service.audit import record_audit
from service.bookings.models import Event, EventStatus
from service.models import Notice, NoticeStatus, Role
from service.support.models import Desk, Programme
from service.types import utcnow
from service.web.access import city_desks, may_edit_desk, own_or_404, role_required
from service.web.console import blueprint
from service.web.forms import save_audited


def desk_choices(session: Session, item: Answer | None) -> list[SelectChoice]:
    """The desks an answer may go to: those the staff member may edit (and its own)."""
    desks = [
        d
        for d in city_desks(session, active_only=True)
        if may_edit_desk(d) or (item and d.id == item.desk_id)
    ]
    return [
        *(
            [SelectChoice(0, "（なし：管理者だけが編集）")]
            if current_user.at_least(Role.ADMIN)
            else []
        ),
        *(SelectChoice(d.id, d.name_ja) for d in desks),
    ]


def fact_choices(session: Session, item: Answer | None) -> list[SelectChoice]:
    """What an answer may show of what Yorisou knows: the city's scheduled notices and open
    events (and whatever the answer already shows)."""
    attached = {(f.get("kind"), f.get("id")) for f in item.facts} if item else set()
    organisation_id = current_user.organisation_id
    notices = session.exec(
        select(Notice).where(Notice.organisation_id == organisation_id).order_by(col(Notice.title))
    ).all()
    events = session.exec(
        select(Event).where(Event.organisation_id == organisation_id).order_by(col(Event.title_ja))
    ).all()
    return [
        *(
            SelectChoice(f"notice:{n.id}", f"お知らせ：{n.title}")
            for n in notices
            if n.status == NoticeStatus.SCHEDULED or ("notice", n.id) in attached
        ),
        *(
            SelectChoice(f"event:{e.id}", f"講座・相談会：{e.title_ja}")
            for e in events
            if e.status == EventStatus.ACTIVE or ("event", e.id) in attached
        ),
    ]


@blueprint.get("/answers")
@role_required(Role.VIEWER)
def answers() -> ResponseReturnValue:
    session = get_session()
    rows = session.exec(
        select(Answer)
        .where(Answer.organisation_id == current_user.organisation_id)
        .order_by(col(Answer.category), col(Answer.code))
    ).all()
    return render_template(
        "staff/answers.html",
        answers=rows,
        desks={desk.id: desk for desk in city_desks(session)},
        waiting=session.exec(
            select(Unanswered.id).where(Unanswered.organisation_id == current_user.organisation_id)
        ).all(),
        today=utcnow().date(),
    )


@blueprint.route("/answers/new", methods=["GET", "POST"], defaults={"answer_id": None})
@blueprint.route("/answers/<int:answer_id>", methods=["GET", "POST"])
@role_required(Role.VIEWER)
def answer(answer_id: int | None) -> ResponseReturnValue:
    session = get_session()
    item = own_or_404(Answer, answer_id) if answer_id else None
    desk = session.get(Desk, item.desk_id) if item and item.desk_id else None
    editable = may_edit_desk(desk) if item else current_user.at_least(Role.EDITOR)
    if request.method == "POST" and not editable:
        abort(403)
    form = AnswerForm(obj=item)
    form.desk.choices = desk_choices(session, item)
    programmes = session.exec(
        select(Programme)
        .where(Programme.organisation_id == current_user.organisation_id)
        .order_by(col(Programme.position), col(Programme.id))
    ).all()
    form.programme.choices = [
        SelectChoice(0, "（なし）"),
        *(SelectChoice(p.id, p.name_ja) for p in programmes),
    ]
    form.facts.choices = fact_choices(session, item)
    if request.method == "GET":
        form.facts.data = (
            [f"{f['kind']}:{f['id']}" for f in item.facts if f["kind"] != "desk"] if item else []
        )
        form.desk.data = (
            item.desk_id or 0 if item else next((c.value for c in form.desk.choices if c.value), 0)
        )
        form.programme.data = item.programme_id or 0 if item else 0
        if item is None:
            form.question_ja.data = request.args.get("question", "")[:300]  # from the list
    if request.method == "POST" and form.validate_on_submit():
        chosen = session.get(Desk, form.desk.data) if form.desk.data else None
        if chosen is not None and chosen.organisation_id != current_user.organisation_id:
            abort(400)
        taken = session.exec(
            select(Answer.id).where(
                Answer.organisation_id == current_user.organisation_id,
                Answer.code == form.code.data,
            )
        ).first()
        if not may_edit_desk(chosen):
            form.desk.errors = ["自分の課の窓口を選んでください。"]
        elif taken is not None and (item is None or taken != item.id):
            form.code.errors = ["このIDはすでに使われています。"]
        else:
            if item is None:
                item = Answer(
                    organisation_id=current_user.organisation_id,
                    code="",
                    question_ja="",
                    answer_ja="",
                )
            item.desk_id = chosen.id if chosen else None
            item.department = chosen.department if chosen else ""
            item.programme_id = form.programme.data or None
            form.facts.data = with_desk(
                [
                    {"kind": k, "id": int(i)}
                    for k, _, i in (fact.partition(":") for fact in form.facts.data or [])
                ],
                item.desk_id,
            )
            item.updated_at = utcnow()
            save_audited(session, item, form, AnswerForm.FIELDS, kind="answer")
            session.commit()
            flash(
                f"回答「{item.question_ja}」を保存しました。保護者への回答にすぐ使われます。",
                "info",
            )
            return redirect(url_for("staff.answers"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/answer.html", answer=item, form=form, may_edit=editable), status


@blueprint.get("/answers/unanswered")
@role_required(Role.EDITOR)
def unanswered() -> ResponseReturnValue:
    """What parents asked that found nothing, or whose answer they marked いいえ: the most
    asked first, masked as it was kept."""
    session = get_session()
    rows = session.exec(
        select(Unanswered)
        .where(Unanswered.organisation_id == current_user.organisation_id)
        .order_by(col(Unanswered.times).desc(), col(Unanswered.last_asked_at).desc())
        .limit(200)
    ).all()
    return render_template("staff/unanswered.html", unanswered=rows)


@blueprint.route("/answers/synonyms", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def synonyms() -> ResponseReturnValue:
    session = get_session()
    current = session.exec(
        select(Synonym)
        .where(Synonym.organisation_id == current_user.organisation_id)
        .order_by(col(Synonym.word))
    ).all()
    before = {row.word: row.means for row in current}
    form = SynonymsForm()
    if request.method == "GET":
        form.synonyms.data = "\n".join(f"{word} = {means}" for word, means in before.items())
    elif form.validate_on_submit() and (pairs := form.pairs()) is not None:
        session.execute(
            delete(Synonym).where(col(Synonym.organisation_id) == current_user.organisation_id)
        )
        now = utcnow()
        session.add_all(
            Synonym(organisation_id=current_user.organisation_id, word=w, means=m, updated_at=now)
            for w, m in pairs.items()
        )
        record_audit(
            session, staff=current_user, action="synonyms.save", before=before, after=pairs
        )
        session.commit()
        flash("言い換えを保存しました。", "info")
        return redirect(url_for("staff.synonyms"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/synonyms.html", form=form), status


@blueprint.route("/answers/crisis-words", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def crisis_words() -> ResponseReturnValue:
    """The words that say someone may be in danger: the built-in list, and the city's own."""
    session = get_session()
    current = session.exec(
        select(CrisisWord)
        .where(CrisisWord.organisation_id == current_user.organisation_id)
        .order_by(col(CrisisWord.id))
    ).all()
    before = [row.word for row in current]
    form = CrisisWordsForm()
    if request.method == "GET":
        form.words.data = "\n".join(before)
    elif form.validate_on_submit() and (words := form.word_list()) is not None:
        for row in current:
            session.delete(row)
        session.flush()
        session.add_all(
            CrisisWord(organisation_id=current_user.organisation_id, word=word) for word in words
        )
        record_audit(
            session,
            staff=current_user,
            action="crisis_words.save",
            before={"words": before},
            after={"words": words},
        )
        session.commit()
        flash("危険を知らせる言葉を保存しました。次の質問から使われます。", "info")
        return redirect(url_for("staff.crisis_words"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/crisis_words.html", form=form, built_in=CRISIS_WORDS), status
