"""The family's card made in the LINE chat: the card form's questions one at a time, answered
with quick replies, then the parent says which departments may see it, one by one, and saves.

Nothing is kept until the parent saves: what they answered so far travels in the quick replies'
postback data (LINE's limit is 300 characters; the longest draft is well inside it), so a
conversation left half-way leaves nothing behind. A saved card is reached from the chat again
by the keyed hash of the LINE user id; the city writes to the parent in this chat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import gettext
from sqlmodel import Session, select

from service import get_settings
from service.addresses import hash_address
from service.cards.cards import Proposal, Told, create_card, proposals
from service.cards.models import Card
from service.family import AGREED, INCOME_BANDS, STAGES
from service.languages import in_language
from service.line.replies import Reply
from service.models import Organisation
from service.support.guide import CHILDREN, WORRIES, Answers

CARD_WORDS = {"カード", "相談カード", "そうだんカード", "card"}
PREFIX = "card|"
STEPS = ("stage", "children", "needs", "income", "agreed", "tell", "consent", "confirm")


@dataclass(frozen=True)
class Draft:
    """What the parent answered so far, and the question they are at."""

    step: str = "stage"
    stage: str = ""
    children: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    income: str = ""
    agreed: str = ""
    tell: bool = False  # tell the parent of support they may be able to use
    yes: tuple[int, ...] = ()  # the departments asked so far that may see the card
    at: int = 0  # the department asked now

    def data(self, **change: object) -> str:
        draft = replace(self, **change)  # type: ignore[arg-type]
        parts = (
            draft.step,
            draft.stage,
            ",".join(draft.children),
            ",".join(draft.needs),
            draft.income,
            draft.agreed,
            "1" if draft.tell else "",
            ",".join(map(str, draft.yes)),
            str(draft.at),
        )
        return PREFIX + "|".join(parts)

    @classmethod
    def read(cls, data: str) -> Draft | None:
        """A draft from postback data; None for anything this account did not send."""
        parts = data.removeprefix(PREFIX).split("|")
        if not data.startswith(PREFIX) or len(parts) not in (9, 10):
            return None
        if len(parts) == 10 and parts[9] not in ("save", "cancel"):
            return None
        step, stage, children, needs, income, agreed, tell, yes, at = parts[:9]
        numbers = [n for n in yes.split(",") if n]
        if step not in STEPS or not all(n.isdigit() for n in [*numbers, at]):
            return None
        return cls(
            step,
            stage if stage in STAGES else "",
            tuple(c for c in CHILDREN if c in children.split(",")),
            tuple(w for w in WORRIES if w in needs.split(",")),
            income if income in INCOME_BANDS else "",
            agreed if agreed in AGREED else "",
            tell == "1",
            tuple(int(n) for n in numbers),
            int(at),
        )

    @property
    def answers(self) -> Answers:
        return Answers.read(
            "before" if self.stage == "before" else "after" if self.stage else "",
            self.children,
            self.needs,
        )


def card_of(session: Session, user_id: str, organisation_id: int) -> Card | None:
    """The card this LINE user made in the chat with this city, if any."""
    return session.exec(
        select(Card).where(
            Card.line_hash == hash_address("line", user_id),
            Card.organisation_id == organisation_id,
        )
    ).first()


def start(
    session: Session, organisation: Organisation, user_id: str, token: str, locale: str
) -> Reply:
    """「カード」: the card's page when there is one, else the first question."""
    if not organisation.card_lead_department:
        return Reply(token, user_id, locale, "card-off")
    card = card_of(session, user_id, organisation.id or 0)
    if card is not None:
        return Reply(token, user_id, card.locale, "card-page", card_id=card.id or 0)
    return _question(session, organisation, Draft(), token, user_id, locale)


def on_postback(
    session: Session,
    organisation: Organisation,
    user_id: str,
    token: str,
    locale: str,
    data: str,
    now: datetime,
) -> Reply | None:
    """A tapped quick reply: the next question, or the card saved (or nothing saved)."""
    draft = Draft.read(data)
    if draft is None or not organisation.card_lead_department:
        return None
    if data.endswith("|cancel"):
        return Reply(token, user_id, locale, "card-cancelled")
    if not data.endswith("|save"):
        return _question(session, organisation, draft, token, user_id, locale)
    if existing := card_of(session, user_id, organisation.id or 0):
        return Reply(token, user_id, existing.locale, "card-page", card_id=existing.id or 0)
    chosen = _chosen(_departments(session, organisation, draft, locale), draft)
    if not chosen:
        return _question(session, organisation, draft, token, user_id, locale)
    told = Told(
        stage=draft.stage,
        since=None,
        children=draft.children,
        needs=draft.needs,
        income_band=draft.income,
        support_agreed=draft.agreed,
        contact_way="line",
        contact=user_id,
        safe_times=(),
        may_say_city=False,
        unsafe_at_home=draft.answers.unsafe_at_home,
        note="",
        locale=locale,
        tell_me=draft.tell,
    )
    card = create_card(session, get_settings(), organisation.id or 0, told, chosen, now=now)
    card.line_hash = hash_address("line", user_id)
    session.add(card)
    return Reply(token, user_id, locale, "card-saved", card_id=card.id or 0)


def _departments(
    session: Session, organisation: Organisation, draft: Draft, locale: str
) -> list[Proposal]:
    """The departments asked about: those whose programmes fit the answers, or every one."""
    offers = proposals(session, organisation.id or 0, draft.answers, locale)
    return ([o for o in offers if o.reasons] or offers)[:12]  # postback data's 300 characters


def _chosen(departments: Sequence[Proposal], draft: Draft) -> list[str]:
    return [p.department for i, p in enumerate(departments) if i in draft.yes]


def _question(
    session: Session,
    organisation: Organisation,
    draft: Draft,
    token: str,
    user_id: str,
    locale: str,
) -> Reply:
    """The question at the draft's step, with its quick replies (label, what the chat shows,
    postback data)."""
    with in_language(locale):
        skip, next_ = gettext("Skip"), gettext("Next")
        if draft.step == "stage":
            text = "\n\n".join(
                (
                    gettext(
                        "Your card: tell the city once. Every question may be skipped, and "
                        "nothing is kept until you save it at the end."
                    ),
                    gettext("Where are you now?"),
                )
            )
            quick = [
                (str(name), draft.data(step="children", stage=code))
                for code, name in STAGES.items()
            ]
            quick.append((skip, draft.data(step="children")))
        elif draft.step in ("children", "needs"):
            names = CHILDREN if draft.step == "children" else WORRIES
            chosen = draft.children if draft.step == "children" else draft.needs
            after = "needs" if draft.step == "children" else "income"
            if draft.step == "children":
                text = gettext("How old are your children? Choose all that apply, then “Next”.")
            else:
                text = gettext("What would you like help with? Choose all that apply, then “Next”.")
            if chosen:
                text += "\n" + gettext(
                    "Chosen: %(chosen)s", chosen="、".join(str(names[c]) for c in chosen)
                )
            quick = [
                (str(name), draft.data(**{draft.step: (*chosen, code)}))
                for code, name in names.items()
                if code not in chosen
            ]
            quick.append((next_ if chosen else skip, draft.data(step=after)))
        elif draft.step == "income":
            text = gettext("Household income (optional)")
            quick = [
                (str(name), draft.data(step="agreed", income=code))
                for code, name in INCOME_BANDS.items()
            ]
            quick.append((skip, draft.data(step="agreed")))
        elif draft.step == "agreed":
            text = gettext("Has child support (養育費) been agreed? (optional)")
            quick = [
                (str(name), draft.data(step="tell", agreed=code)) for code, name in AGREED.items()
            ]
            quick.append((skip, draft.data(step="tell")))
        elif draft.step == "tell":
            text = gettext(
                "May the city tell you in this chat about support you may be able to use? You "
                "can stop it at any time."
            )
            quick = [
                (gettext("Yes, tell me"), draft.data(step="consent", tell=True, at=0, yes=())),
                (gettext("No"), draft.data(step="consent", tell=False, at=0, yes=())),
            ]
        else:
            departments = _departments(session, organisation, draft, locale)
            if draft.step == "consent" and draft.at < len(departments):
                asked = departments[draft.at]
                text = gettext("May %(department)s see your card?", department=asked.department)
                if asked.reasons:
                    text += "\n" + gettext(
                        "It can help with: %(reasons)s", reasons="、".join(asked.reasons)
                    )
                following = {"step": "consent", "at": draft.at + 1}
                if draft.at + 1 >= len(departments):
                    following = {"step": "confirm"}
                quick = [
                    (gettext("Yes, it may"), draft.data(yes=(*draft.yes, draft.at), **following)),
                    (gettext("No"), draft.data(**following)),
                ]
            elif agreed := _chosen(departments, draft):
                text = "\n".join(
                    (
                        gettext(
                            "Only these departments will see your card: %(departments)s",
                            departments="、".join(agreed),
                        ),
                        gettext("The city will contact you in this chat. Save your card?"),
                    )
                )
                quick = [
                    (gettext("Save"), draft.data() + "|save"),
                    (gettext("Cancel"), draft.data() + "|cancel"),
                ]
            else:
                text = gettext("You chose no department, so no one could see your card.")
                quick = [
                    (gettext("Choose again"), draft.data(step="consent", at=0, yes=())),
                    (gettext("Cancel"), draft.data() + "|cancel"),
                ]
    return Reply(token, user_id, locale, "card-question", text=text, quick=tuple(quick))
