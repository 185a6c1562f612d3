"""Demo data a municipality would recognise: the fictional あおば市 and its content calendar.

Facts that vary by municipality send the reader to the city's own page or counter
(see ../shared/CONTENT-CALENDAR.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.assistant.demo_answers import ANSWERS, IN_OTHER_LANGUAGES
from service.assistant.seeding import DEMO_SYNONYMS, add_answers, add_synonyms
from service.bookings.booking import Contact as BookingContact
from service.bookings.booking import book, confirm_address, new_event_code
from service.bookings.models import Event, EventProgramme, EventTopic, Slot
from service.bookings.schedule import DEFAULT_REMINDERS, make_slots
from service.demo_versions import CITY_PAGE, VERSIONS
from service.models import (
    Notice,
    NoticeStatus,
    NoticeTopic,
    Organisation,
    Role,
    RuleKind,
    Source,
    Topic,
)
from service.staff_users import create_staff_user
from service.support.catalogue import import_catalogue
from service.support.demo_catalogue import CATALOGUE, KODOMO
from service.support.models import AnswerTemplate, ContactWay, Desk, Programme
from service.support.requests import Contact, open_request
from service.types import utcnow

DEMO_EMAIL = "admin@city.aoba.example.jp"
DEMO_PASSWORD = "aoba-demo-2026"
DEMO_COUNTER_EMAIL = "koseki@city.aoba.example.jp"  # the family-registry counter's clerk

TOPICS = [
    # slug, 日本語, English, 説明, description, department
    (
        "yoikuhi",
        "養育費",
        "Child support",
        "養育費の取り決めや受け取りの支援",
        "Help with agreeing on and receiving child support",
        "こども家庭課",
    ),
    (
        "jido-fuyo-teate",
        "児童扶養手当",
        "Child rearing allowance",
        "申請、現況届、支払日のお知らせ",
        "Applications, the yearly status report and payment days",
        "こども家庭課",
    ),
    (
        "jido-teate",
        "児童手当",
        "Child allowance",
        "受給者や振込先の変更、支払日のお知らせ",
        "Changing the recipient or bank account; payment days",
        "こども家庭課",
    ),
    (
        "iryo",
        "医療費の助成",
        "Medical expense support",
        "ひとり親家庭等医療費助成の申請や更新",
        "Applying for and renewing medical expense support",
        "保険年金課",
    ),
    (
        "shugyo",
        "就業支援",
        "Work and training",
        "資格の取得や就職の支援、給付金",
        "Support for qualifications, job search and training grants",
        "商工労働課",
    ),
    (
        "sumai",
        "住まい",
        "Housing",
        "市営住宅の募集や住まいの相談",
        "Public housing openings and housing advice",
        "住宅課",
    ),
    (
        "seikatsu",
        "子育て・生活",
        "Family life",
        "保険・年金・税の手続き、子育ての支援",
        "Insurance, pension and tax procedures; childcare support",
        "こども家庭課",
    ),
    (
        "koza",
        "親支援講座・セミナー",
        "Parent seminars",
        "離婚前後の親支援講座やセミナーの日程",
        "Seminars for parents before and after divorce",
        "こども家庭課",
    ),
    (
        "horitsu-sodan",
        "法律相談",
        "Legal consultation",
        "無料法律相談の日程、大切な期限のお知らせ",
        "Free legal consultations and important deadlines",
        "市民相談課",
    ),
]

SOURCES = [
    ("koseki", "市民課 戸籍窓口（本庁舎2階）"),
    ("hitorioya", "こども家庭課 ひとり親相談窓口（本庁舎3階）"),
]


@dataclass(frozen=True)
class DemoNotice:
    title: str
    body: str
    topics: tuple[str, ...]
    rule: RuleKind
    offset_days: int | None = None  # relative
    send_time: str = "09:00"
    rrule: str | None = None  # recurring, from the day of seeding
    in_days: int | None = None  # one-off, this many days after seeding
    valid_days: int | None = None
    urgent: bool = False
    school_grade: int | None = None  # in the coming school year
    books: str = ""  # the demo event its 「予約する」 books: "seminar"


def _relative(
    title: str, body: str, topics: tuple[str, ...], days: int, **kw: object
) -> DemoNotice:
    return DemoNotice(title, body, topics, RuleKind.RELATIVE, offset_days=days, **kw)  # type: ignore[arg-type]


def _yearly(title: str, body: str, topics: tuple[str, ...], rule: str, **kw: object) -> DemoNotice:
    return DemoNotice(title, body, topics, RuleKind.RRULE, rrule=rule, **kw)  # type: ignore[arg-type]


ALL = tuple(slug for slug, *_ in TOPICS)

NOTICES = [
    DemoNotice(  # to each parent, right after they confirm
        "配信登録のご案内",
        "あおば市のお知らせ配信にご登録いただき、ありがとうございます。\n\n"
        "ご登録のテーマについて、手続きの期限や支援制度のお知らせを必要な時期にお送りします。\n\n"
        "- 受け取るテーマの変更や配信の停止は、メールの一番下のリンクからいつでもできます。\n"
        "- ご不明な点は、こども家庭課 ひとり親支援係にお気軽にご相談ください。",
        ALL,
        RuleKind.JOIN,
    ),
    _relative(
        "暮らしが変わったときに知っておきたいこと",
        "別居や離婚のときには、お子さんの生活に関わる手続きがいくつもあります。\n\n"
        "- **児童手当**：受給者や振込先の変更が必要になることがあります。\n"
        "- **婚姻費用**：離婚が成立するまでの生活費を相手に求められる場合があります。\n"
        "- **養育費**：取り決めは書面に残しておくと安心です。\n\n"
        f"手続きの一覧は市のホームページをご覧ください。\n{CITY_PAGE}",
        ("jido-teate", "seikatsu", "yoikuhi"),
        1,
        send_time="10:00",
    ),
    _relative(
        "児童手当の受給者変更・振込先の手続きはお済みですか",
        "離婚や別居でお子さんと暮らす方が変わったときは、児童手当の受給者の変更（認定請求）が必要です。\n\n"
        "手続きが遅れると、受け取れない月が出ることがあります。"
        "期限や必要な書類は、市のホームページまたはこども家庭課の窓口でご確認ください。\n\n"
        f"{CITY_PAGE}",
        ("jido-teate",),
        3,
        valid_days=3,
        urgent=True,
    ),
    _relative(
        "【再確認】児童手当の手続きをお忘れではありませんか",
        "児童手当の受給者の変更や振込先の変更がまだの方は、お早めにこども家庭課の窓口で手続きをしてください。\n\n"
        "すでに手続きがお済みの方は、このお知らせは読み飛ばしてください。",
        ("jido-teate",),
        12,
        valid_days=2,
        urgent=True,
    ),
    _relative(
        "児童扶養手当の申請について",
        "児童扶養手当は、申請した月の翌月分から支給されます。さかのぼって受け取ることはできませんので、"
        "対象になる方はお早めに申請してください。\n\n"
        "受け取れるかどうかや必要な書類は、お一人おひとりの状況によって異なります。"
        "こども家庭課の窓口でご相談ください。",
        ("jido-fuyo-teate",),
        1,
        send_time="09:30",
        valid_days=7,
    ),
    _relative(
        "ひとり親家庭等医療費助成のご案内",
        "ひとり親家庭の親とお子さんの医療費の自己負担を助成する制度があります。\n\n"
        "対象となる方や申請の方法は市によって異なります。詳しくは市のホームページをご覧ください。\n\n"
        f"{CITY_PAGE}",
        ("iryo",),
        2,
    ),
    _relative(
        "国民健康保険・国民年金の手続き",
        "離婚などで配偶者の健康保険や年金から外れたときは、国民健康保険と国民年金への切り替えが必要です。"
        "手続きの期限は、資格がなくなった日からおおむね14日以内です。\n\n"
        "お勤め先の健康保険に加入する方は、この手続きは必要ありません。詳しくは保険年金課にお問い合わせください。",
        ("seikatsu",),
        4,
        valid_days=10,
    ),
    _relative(
        "養育費の取り決めを公正証書にする費用の補助",
        "養育費の取り決めを公正証書などの書面にするときの費用を、市が補助する制度があります。\n\n"
        "補助の上限額や申請期限は、市のホームページでご確認ください。",
        ("yoikuhi",),
        14,
    ),
    _relative(
        "財産分与・年金分割の請求期限について",
        "離婚後の財産分与や年金分割の請求には期限があります。"
        "2026年4月1日以降の離婚では、離婚した日から5年です（それより前の離婚では2年です）。\n\n"
        "ご自分の場合の期限が分からないときは、市の無料法律相談をご利用ください。",
        ("horitsu-sodan",),
        365,
        valid_days=30,
    ),
    _yearly(
        "今月の無料法律相談（養育費・親子交流）",
        "弁護士による無料の法律相談を毎月行っています。養育費や親子交流（面会交流）、"
        "離婚後の手続きについてご相談いただけます。\n\n"
        f"日程と予約の方法は、市のホームページをご覧ください。\n{CITY_PAGE}",
        ("horitsu-sodan", "yoikuhi"),
        "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
        valid_days=7,
    ),
    _yearly(
        "今月は児童扶養手当の支払月です",
        "児童扶養手当は、奇数月（1月・3月・5月・7月・9月・11月）に2か月分ずつ支払われます。\n\n"
        "支払日は市のホームページでご確認ください。",
        ("jido-fuyo-teate",),
        "FREQ=YEARLY;BYMONTH=1,3,5,7,9,11;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
        valid_days=5,
    ),
    _yearly(
        "今月は児童手当の支払月です",
        "児童手当は、偶数月（2月・4月・6月・8月・10月・12月）に2か月分ずつ支払われます。\n\n"
        "支払日は市のホームページでご確認ください。",
        ("jido-teate",),
        "FREQ=YEARLY;BYMONTH=2,4,6,8,10,12;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
        valid_days=5,
    ),
    _yearly(
        "児童扶養手当の現況届の受付が8月1日から始まります",
        "児童扶養手当を受けている方は、毎年8月1日から31日までに現況届を出す必要があります。\n\n"
        "現況届を出さないと、11月分以降の手当が受け取れなくなります。"
        "また、2年間出さないと受給資格がなくなります。\n\n"
        "届出の方法や持ち物は、市から郵送される案内でご確認ください。",
        ("jido-fuyo-teate",),
        "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=25;BYHOUR=9;BYMINUTE=0",
        valid_days=7,
        urgent=True,
    ),
    _yearly(
        "児童扶養手当の現況届は8月31日までです",
        "現況届はお済みですか。提出期限は8月31日です。\n\n"
        "まだの方は、お早めにこども家庭課の窓口へお越しください。"
        "期限までに来られない事情がある方は、早めにご相談ください。",
        ("jido-fuyo-teate",),
        "FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=17;BYHOUR=9;BYMINUTE=0",
        valid_days=14,
        urgent=True,
    ),
    _yearly(
        "4月から児童扶養手当の額が改定されます",
        "児童扶養手当の額は、物価の動きに合わせて毎年4月に見直されます。\n\n"
        "新しい手当額は市のホームページでご確認ください。",
        ("jido-fuyo-teate",),
        "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
        valid_days=14,
    ),
    _yearly(
        "国民年金保険料の免除・猶予の申請",
        "収入が少なく国民年金保険料の納付が難しいときは、免除や猶予を申請できます。"
        "毎年7月から新しい年度の申請を受け付けています。\n\n"
        "詳しくは保険年金課または年金事務所にお問い合わせください。",
        ("seikatsu",),
        "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
        valid_days=30,
    ),
    _yearly(
        "年末調整で「ひとり親控除」を忘れずに",
        "ひとり親の方は、所得税・住民税の「ひとり親控除」を受けられる場合があります。\n\n"
        "お勤めの方は年末調整で、それ以外の方は確定申告（2月16日〜3月15日）で申告してください。",
        ("seikatsu",),
        "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=5;BYHOUR=9;BYMINUTE=0",
        valid_days=30,
    ),
    _yearly(
        "4月から資格を取りたい方へ：高等職業訓練促進給付金",
        "看護師や保育士などの資格を取るために養成機関に通う間、生活費の給付を受けられる制度があります。\n\n"
        "4月入学の方は、1月から3月のうちにご相談ください。対象となる資格や条件は市によって異なります。",
        ("shugyo",),
        "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=10;BYHOUR=9;BYMINUTE=0",
        valid_days=30,
    ),
    _yearly(
        "入学の準備に：母子父子寡婦福祉資金（就学支度資金）",
        "来年4月に小学校に入学するお子さんがいる方は、入学の準備にかかる費用の貸付を受けられる場合があります。\n\n"
        "申し込みの時期や条件は、こども家庭課にお問い合わせください。",
        ("seikatsu", "jido-fuyo-teate"),
        "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
        valid_days=30,
        school_grade=1,  # entering elementary school next April
    ),
    DemoNotice(
        "親支援講座のご案内",
        "離婚が子どもに与える影響や、養育費・親子交流の取り決めについて、専門家がお話しします。\n\n"
        "- 会場：あおば市役所 本庁舎5階 第1会議室\n"
        "- 参加費：無料（託児あり、要予約）\n\n"
        "下の「予約する」から、名前や住所を入力せずに予約できます。",
        ("koza", "yoikuhi"),
        RuleKind.ONCE,
        in_days=2,
        books="seminar",
    ),
    DemoNotice(
        "市営住宅の入居者募集（ひとり親世帯向け）",
        "市営住宅の入居者を募集します。ひとり親世帯は、抽選で優遇を受けられる場合があります。\n\n"
        "募集の期間や申し込みの方法は、住宅課の窓口または市のホームページでご確認ください。",
        ("sumai",),
        RuleKind.ONCE,
        in_days=14,
    ),
]


def _demo_requests(session: Session, organisation: Organisation, now: datetime) -> None:
    """A desk's queue as staff find it: one request waiting, and a template to answer with."""
    desk = session.exec(select(Desk).where(Desk.name_ja == KODOMO)).one()
    desk.notify_email = "hitorioya@city.aoba.example.jp"  # its list of requests each morning
    session.add(
        AnswerTemplate(
            desk_id=desk.id or 0,
            title="電話がつながらなかったとき",
            body=(
                "お申し込みありがとうございます。お電話しましたが、つながりませんでした。"
                "ご都合のよいときに、こども家庭課 ひとり親支援係（000-000-0000、平日 8時30分〜"
                "17時15分）へお電話ください。"
            ),
        )
    )
    programme = session.exec(
        select(Programme).where(Programme.slug == "yoikuhi-kosei-shosho")
    ).one()
    open_request(
        session,
        organisation=organisation,
        desk=desk,
        contact=Contact(way=ContactWay.PHONE, phone="09000000000", safe_times=("afternoon",)),
        locale="ja",
        now=now,
        message="養育費の取り決めをしないまま離婚しました。今からでもできますか。",
        programme_id=programme.id,
    )


def _demo_events(
    session: Session, organisation: Organisation, topics: dict[str, Topic], now: datetime
) -> Event:
    """A 親支援講座 with places, child care and three parents booked, announced by a notice
    with 「予約する」; and the monthly free legal consultation day in 30-minute slots."""
    tz = ZoneInfo(organisation.timezone)
    day = now.astimezone(tz).date() + timedelta(days=21)
    day += timedelta(days=(5 - day.weekday()) % 7)  # a Saturday
    seminar = Event(
        public_id=new_event_code(),
        organisation_id=organisation.id or 0,
        department="こども家庭課",
        title_ja="親支援講座「離婚後の子育てと養育費」",
        title_en="Parenting seminar: raising children and child support after divorce",
        title_easy="おやの ための こうざ「りこん した あとの こそだてと よういくひ」",
        details_ja=(
            "離婚後の子育てで大切なこと、子どもへの伝え方、養育費の取り決め方を、"
            "専門の講師がお話しします。参加は無料です。途中からの参加や退出もできます。"
        ),
        details_en=(
            "A specialist talks about what matters in raising children after divorce, how to "
            "talk with children, and how to agree on child support. Free of charge."
        ),
        place_ja="あおば市役所 本庁舎 5階 第1会議室",
        place_en="Aoba City Hall, main building, 5th floor, meeting room 1",
        bring_ja="筆記用具",
        bring_en="Something to write with",
        starts_at=datetime.combine(day, time(10, 0), tz),
        duration_minutes=120,
        capacity=20,
        childcare_places=5,
        reminders=list(DEFAULT_REMINDERS),
        questions=[],
    )
    legal = Event(
        public_id=new_event_code(),
        organisation_id=organisation.id or 0,
        department="こども家庭課",
        desk_id=session.exec(select(Desk.id).where(Desk.name_ja == KODOMO)).one(),
        title_ja="弁護士による無料法律相談（ひとり親家庭）",
        title_en="Free legal consultation with a lawyer (single-parent families)",
        details_ja=(
            "養育費、面会交流、財産分与などについて、弁護士に30分無料で相談できます。"
            "秘密は守られます。"
        ),
        details_en=(
            "Talk with a lawyer for 30 minutes, free of charge, about child support, visits, "
            "or dividing property. What you say stays confidential."
        ),
        place_ja="あおば市役所 本庁舎 3階 相談室",
        place_en="Aoba City Hall, main building, 3rd floor, consultation room",
        bring_ja="取り決めの書類や通帳など、相談に関係するもの（なくてもかまいません）",
        starts_at=datetime.combine(now.astimezone(tz).date(), time(13, 0), tz),
        duration_minutes=180,
        rrule="FREQ=MONTHLY;BYDAY=2WE",
        holiday_shift="next",
        slot_minutes=30,
        capacity=1,
        opens_days=45,
        closes_hours=48,
        reminders=[{"days": 1, "at": "18:00"}],
        questions=[
            {
                "ja": "相談したいこと（養育費、面会交流など）",
                "en": "What you would like to ask about (child support, visits…)",
                "easy": "そうだん したい こと",
                "required": True,
            }
        ],
    )
    session.add_all([seminar, legal])
    session.flush()
    session.add_all(
        EventTopic(event_id=event.id or 0, topic_id=topics[slug].id or 0)
        for event, slug in ((seminar, "koza"), (seminar, "yoikuhi"), (legal, "horitsu-sodan"))
    )
    # The guide offers the lawyer's day under the programmes it serves, and nowhere else.
    session.add_all(
        EventProgramme(event_id=legal.id or 0, programme_id=programme_id or 0)
        for programme_id in session.exec(
            select(Programme.id).where(
                Programme.organisation_id == organisation.id,
                col(Programme.slug).in_(("horitsu-sodan", "yoikuhi-kosei-shosho")),
            )
        )
    )
    make_slots(session, seminar, now=now)
    make_slots(session, legal, now=now)
    slot = session.exec(select(Slot).where(Slot.event_id == seminar.id)).one()
    for n, childcare in enumerate((1, 0, 2)):
        booking = book(
            session,
            event=seminar,
            slot=slot,
            contact=BookingContact("email", address=f"demo-parent{n + 1}@example.jp"),
            locale="ja",
            now=now,
            childcare=childcare,
        )
        confirm_address(session, booking, now=now)  # as if each had pressed the email's button
    return seminar


def seed_demo(session: Session) -> bool:
    """Load the demo city. Returns False (and changes nothing) if it is there already."""
    if session.exec(select(Organisation).where(Organisation.slug == "aoba")).first():
        return False
    now = utcnow()
    tz = ZoneInfo("Asia/Tokyo")
    organisation = Organisation(
        slug="aoba",
        name="あおば市",
        name_en="Aoba City",
        sender_name="あおば市 こども家庭課",
        sender_email="oshirase@city.aoba.example.jp",
        registration_address="touroku@mail.aoba.example.jp",
        contact_line=(
            "あおば市 こども家庭課 ひとり親支援係　電話 000-000-0000（平日 8時30分〜17時15分）"
        ),
        privacy_contact=(
            "あおば市 こども家庭課（個人情報の取り扱いについてのお問い合わせ）電話 000-000-0000"
        ),
        card_lead_department="こども家庭課",
        call_from_landing=True,
    )
    session.add(organisation)
    session.flush()
    assert organisation.id is not None
    topics = {}
    for position, (slug, name_ja, name_en, desc_ja, desc_en, department) in enumerate(TOPICS):
        topics[slug] = Topic(
            organisation_id=organisation.id,
            slug=slug,
            name_ja=name_ja,
            name_en=name_en,
            description_ja=desc_ja,
            description_en=desc_en,
            department=department,
            position=position,
        )
    session.add_all(topics.values())
    session.add_all(
        Source(organisation_id=organisation.id, code=code, name=name) for code, name in SOURCES
    )
    admin = create_staff_user(
        session,
        organisation_id=organisation.id,
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        role=Role.ADMIN,
        department="こども家庭課",
    )
    create_staff_user(
        session,
        organisation_id=organisation.id,
        email=DEMO_COUNTER_EMAIL,
        password=DEMO_PASSWORD,
        role=Role.COUNTER,
        department="市民課",
    )
    session.flush()
    import_catalogue(session, organisation.id, CATALOGUE)
    session.flush()
    add_answers(session, organisation.id or 0, ANSWERS, now=now, languages=IN_OTHER_LANGUAGES)
    add_synonyms(session, organisation.id or 0, DEMO_SYNONYMS, now=now)
    _demo_requests(session, organisation, now)
    seminar = _demo_events(session, organisation, topics, now)
    today = now.astimezone(tz).date()
    for demo in NOTICES:
        starts_at = None
        if demo.rule == RuleKind.RRULE:
            starts_at = datetime.combine(today, time(0, 0), tz)
        elif demo.rule == RuleKind.ONCE:
            starts_at = datetime.combine(
                today + timedelta(days=demo.in_days or 0), time.fromisoformat(demo.send_time), tz
            )
        title_en, body_en, title_easy, body_easy = VERSIONS.get(demo.title, ("", "", "", ""))
        notice = Notice(
            organisation_id=organisation.id,
            title=demo.title,
            body=demo.body,
            title_en=title_en,
            body_en=body_en,
            title_easy=title_easy,
            body_easy=body_easy,
            channels=["email"],
            rule_kind=demo.rule,
            starts_at=starts_at,
            rrule=demo.rrule,
            offset_days=demo.offset_days,
            send_time=demo.send_time if demo.rule == RuleKind.RELATIVE else None,
            valid_days=demo.valid_days,
            urgent=demo.urgent,
            school_grade=demo.school_grade,
            school_year_offset=1 if demo.school_grade is not None else 0,
            book_event_id=seminar.id if demo.books else None,
            status=NoticeStatus.SCHEDULED,
            scheduled_at=now,
            author_id=admin.id,
            approver_id=admin.id,
        )
        session.add(notice)
        session.flush()
        session.add_all(
            NoticeTopic(notice_id=notice.id or 0, topic_id=topics[slug].id or 0)
            for slug in demo.topics
        )
    session.commit()
    return True
