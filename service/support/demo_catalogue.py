"""The demo city's programme catalogue, in the file format a city exports and imports
(service.support.catalogue). The programmes are the national frame every municipality runs
in some form; amounts and conditions vary by city, so each entry sends the reader to the
city's own page or desk (../shared/CONTENT-CALENDAR.md).
"""

from __future__ import annotations

from typing import Any

PAGE = "https://www.city.aoba.example.jp/hitorioya/"
KODOMO = "こども家庭課 ひとり親支援係"
DV_DESK = "こども家庭課 女性相談・DV相談"
HOKEN = "保険年金課"
SODAN = "市民相談室"
GAKUMU = "教育委員会 学務課"
HOIKU = "保育課"
ZEIMU = "税務課 市民税係"
WEEKDAYS = {
    "ja": "平日 8時30分〜17時15分",
    "en": "Weekdays 8:30–17:15",
    "easy": "月曜日から金曜日 8時30分〜17時15分",
}


def _desk(name: dict[str, str], department: str, place: dict[str, str], **kw: Any) -> Any:
    return {
        "name": name,
        "department": department,
        "phone": kw.pop("phone", "000-000-0000"),
        "hours": kw.pop("hours", WEEKDAYS),
        "place": place,
        "takes_requests": kw.pop("takes_requests", True),
        "response_days": kw.pop("response_days", 3),
        **kw,
    }


DESKS = [
    _desk(
        {
            "ja": KODOMO,
            "en": "Single-parent support, Children and Families Division",
            "easy": "ひとり親の 相談窓口（こども家庭課）",
        },
        "こども家庭課",
        {
            "ja": "本庁舎3階 30番窓口",
            "en": "City hall, 3rd floor, counter 30",
            "easy": "市役所の 3階 30番",
        },
    ),
    _desk(
        {
            "ja": "こども家庭課 女性相談・DV相談",
            "en": "Women's and domestic violence consultation",
            "easy": "女性と DVの 相談",
        },
        "こども家庭課",
        {
            "ja": "本庁舎3階（相談室でお話を伺います）",
            "en": "City hall, 3rd floor (in a private room)",
            "easy": "市役所の 3階（ほかの人に 聞こえない 部屋で 話します）",
        },
        response_days=1,
    ),
    _desk(
        {
            "ja": "保険年金課",
            "en": "Health Insurance and Pension Division",
            "easy": "保険と 年金の 窓口",
        },
        "保険年金課",
        {
            "ja": "本庁舎1階 12番窓口",
            "en": "City hall, 1st floor, counter 12",
            "easy": "市役所の 1階 12番",
        },
        response_days=5,
    ),
    _desk(
        {"ja": "市民相談室", "en": "Citizens' Consultation Office", "easy": "市民相談室"},
        "市民相談課",
        {"ja": "本庁舎2階", "en": "City hall, 2nd floor", "easy": "市役所の 2階"},
        response_days=5,
    ),
    _desk(
        {
            "ja": "教育委員会 学務課",
            "en": "Board of Education, School Affairs",
            "easy": "学校の ことの 窓口（教育委員会）",
        },
        "学務課",
        {"ja": "第2庁舎4階", "en": "Second building, 4th floor", "easy": "第2庁舎の 4階"},
        response_days=5,
    ),
    _desk(
        {"ja": "保育課", "en": "Nursery Division", "easy": "保育園の 窓口"},
        "保育課",
        {
            "ja": "本庁舎3階 33番窓口",
            "en": "City hall, 3rd floor, counter 33",
            "easy": "市役所の 3階 33番",
        },
        response_days=5,
    ),
    _desk(
        {"ja": "税務課 市民税係", "en": "Tax Division, resident tax", "easy": "税金の 窓口"},
        "税務課",
        {
            "ja": "本庁舎1階 5番窓口",
            "en": "City hall, 1st floor, counter 5",
            "easy": "市役所の 1階 5番",
        },
        takes_requests=False,
    ),
]


# マイナポータルの「ぴったりサービス」: where many cities take 児童手当's applications online.
PITTARI = "https://app.oss.myna.go.jp/"


# Who may use a programme (service.support.eligibility), and where to apply online.
CONDITIONS = {
    "jido-fuyo-teate": {
        "children": ["preschool", "elementary", "junior-high", "high-school"],
        "stage": ["separated", "divorced"],
        "allowance": ["full", "partial"],
    },
    "yoikuhi-hosho": {"support": ["yes"]},
    "shugaku-enjo": {"children": ["elementary", "junior-high"]},
    "hoikusho": {"children": ["preschool"]},
}
APPLY_ONLINE = {"jido-teate": PITTARI}


def _programme(slug: str, desk: str, topics: list[str], answers: list[str], **texts: Any) -> Any:
    return {
        "slug": slug,
        "desk": desk,
        "topics": topics,
        "answers": answers,
        "url": texts.pop("url", f"{PAGE}{slug}/"),
        "apply_url": APPLY_ONLINE.get(slug, ""),
        "conditions": CONDITIONS.get(slug, {}),
        **texts,
    }


def _see_page(ja: str, en: str) -> dict[str, str]:
    return {"ja": ja, "en": en}


AMOUNTS = _see_page(
    "金額や条件は市のページでご確認ください。",
    "Please see the city's page for the amounts and conditions.",
)

PROGRAMMES = [
    _programme(
        "jido-fuyo-teate",
        KODOMO,
        ["jido-fuyo-teate"],
        [
            "money",
            "stage:after",
            "child:preschool",
            "child:elementary",
            "child:junior-high",
            "child:high-school",
        ],
        name={
            "ja": "児童扶養手当",
            "en": "Child rearing allowance",
            "easy": "児童扶養手当（ひとりで 子どもを 育てる 人への お金）",
        },
        summary={
            "ja": "ひとりで子どもを育てている方に支給される手当です。奇数月に支払われます。"
            "所得による制限があります。",
            "en": "An allowance for a parent raising children alone, paid in odd-numbered "
            "months. There is an income limit.",
            "easy": "ひとりで 子どもを 育てている 人に 市が お金を 出します。"
            "2か月に 1回 もらえます。",
        },
        eligibility=_see_page(
            "18歳になった後の最初の3月31日までの子どもを育てている、ひとり親の方など。",
            "A parent raising a child up to the 31 March after the child turns 18.",
        ),
        bring=_see_page(
            "戸籍謄本、本人確認書類、振込先の口座がわかるもの。ほかに必要なものは窓口でご案内します。",
            "Your family register (戸籍謄本), ID and your bank account details. The desk "
            "will tell you what else is needed.",
        ),
        apply=_see_page(
            "こども家庭課の窓口で申請します。申請した月の翌月分から支給されます。",
            "Apply at the desk. It is paid from the month after you apply.",
        ),
    ),
    _programme(
        "jido-teate",
        KODOMO,
        ["jido-teate"],
        [
            "money",
            "stage:before",
            "stage:after",
            "child:preschool",
            "child:elementary",
            "child:junior-high",
            "child:high-school",
        ],
        name={
            "ja": "児童手当",
            "en": "Child allowance",
            "easy": "児童手当（子どもの ための お金）",
        },
        summary={
            "ja": "高校生年代までの子どもを育てている方に支給されます。離婚や別居のあとは、"
            "子どもと暮らす方が受け取れるよう手続きが必要です。",
            "en": "Paid for every child up to high-school age. After a divorce or separation, "
            "the parent the children live with needs to apply to receive it.",
            "easy": "高校生までの 子どもが いる 人が もらえます。離婚や 別居の あとは、"
            "子どもと 住んでいる 人が 手続きを します。",
        },
        eligibility=_see_page(
            "高校生年代までの子どもと暮らし、育てている方。",
            "A parent who lives with and raises a child up to high-school age.",
        ),
        bring=_see_page(
            "本人確認書類、振込先の口座がわかるもの、別居の場合はそれがわかる書類。",
            "ID, your bank account details and, if you live apart, a document that shows it.",
        ),
        apply=_see_page(
            "受け取る人や口座を変えるときは、できるだけ早く（15日以内に）窓口で手続きします。",
            "To change who receives it or the bank account, apply at the desk as soon as "
            "possible (within 15 days).",
        ),
    ),
    _programme(
        "iryohi-josei",
        "保険年金課",
        ["iryo"],
        ["money", "health", "stage:after"],
        name={
            "ja": "ひとり親家庭等医療費助成",
            "en": "Medical expense support for single-parent families",
            "easy": "病院の お金の 助け（ひとり親の 家庭）",
        },
        summary={
            "ja": "ひとり親家庭の親と子どもが病院にかかったときの自己負担を助成します。",
            "en": "Helps with the medical costs that a single parent and their children pay "
            "themselves.",
            "easy": "親と 子どもが 病院に 行った ときの お金を 市が 助けます。",
        },
        eligibility=AMOUNTS,
        bring=_see_page(
            "健康保険証（資格確認書）、児童扶養手当証書などをお持ちください。",
            "Your health insurance card and, if you have one, your child rearing allowance "
            "certificate.",
        ),
        apply=_see_page("保険年金課の窓口で申請します。", "Apply at the desk."),
    ),
    _programme(
        "fukushi-shikin",
        KODOMO,
        ["shugyo", "seikatsu"],
        ["money", "work", "housing", "stage:after"],
        name={
            "ja": "母子父子寡婦福祉資金貸付金",
            "en": "Welfare loans for single parents",
            "easy": "ひとり親が 借りられる お金",
        },
        summary={
            "ja": "子どもの進学、転居、技能の習得、生活などのための資金を、無利子または低い利子で"
            "借りられます。",
            "en": "Interest-free or low-interest loans for school costs, moving, training, "
            "living costs and more.",
            "easy": "学校、引っ越し、仕事の 勉強などの ために、利子が ない か 少ない お金を "
            "借りられます。",
        },
        eligibility=AMOUNTS,
        bring=_see_page("窓口でご案内します。", "The desk will tell you what to bring."),
        apply=_see_page(
            "借りる前に相談が必要です。まず窓口にご相談ください。",
            "A consultation comes first: please ask the desk.",
        ),
    ),
    _programme(
        "koto-shokugyo-kunren",
        KODOMO,
        ["shugyo"],
        ["work", "money", "stage:after"],
        name={
            "ja": "高等職業訓練促進給付金",
            "en": "Grant while training for a qualification",
            "easy": "資格を 取る 間の お金",
        },
        summary={
            "ja": "看護師、保育士、介護福祉士などの資格を取るために6か月以上学校に通う間、"
            "生活費の助けとして毎月給付されます。",
            "en": "A monthly grant while you study six months or more for a qualification "
            "such as nurse, nursery teacher or care worker.",
            "easy": "看護師や 保育士などの 資格を 取る ために 学校に 行く 間、毎月 お金が "
            "もらえます。",
        },
        eligibility=AMOUNTS,
        bring=_see_page("窓口でご案内します。", "The desk will tell you what to bring."),
        apply=_see_page(
            "学校に入る前に、まず窓口にご相談ください。",
            "Please talk to the desk before you start the course.",
        ),
    ),
    _programme(
        "kyoiku-kunren",
        KODOMO,
        ["shugyo"],
        ["work", "stage:after"],
        name={
            "ja": "自立支援教育訓練給付金",
            "en": "Training course fee support",
            "easy": "仕事の 勉強の お金の 助け",
        },
        summary={
            "ja": "仕事に役立つ講座（指定された教育訓練講座）の受講料の一部が支給されます。",
            "en": "Part of the fee of an approved vocational course is paid back.",
            "easy": "仕事に 役に立つ 講座の お金の 一部を 市が 出します。",
        },
        eligibility=AMOUNTS,
        bring=_see_page("窓口でご案内します。", "The desk will tell you what to bring."),
        apply=_see_page(
            "受講を始める前に、窓口で対象講座の指定を受けてください。",
            "Have the course approved at the desk before you start it.",
        ),
    ),
    _programme(
        "yoikuhi-kosei-shosho",
        KODOMO,
        ["yoikuhi"],
        ["child-support", "legal", "money", "stage:before", "stage:after"],
        name={
            "ja": "養育費の取決め・公正証書作成の支援",
            "en": "Help with the child-support agreement and notarised deed",
            "easy": "養育費の 約束を 書類に する 手伝い",
        },
        summary={
            "ja": "養育費の取り決めを公正証書などにするための費用の一部を助成し、"
            "取り決め方の相談に応じます。",
            "en": "Advice on agreeing on child support, and help with the cost of making the "
            "agreement a notarised deed (公正証書) that can be enforced.",
            "easy": "養育費（子どもを 育てる ための お金）の 約束を 公正証書に する お金を "
            "助けます。約束の しかたも 相談できます。",
        },
        eligibility=AMOUNTS,
        bring=_see_page(
            "公正証書などの写し、費用の領収書。",
            "A copy of the deed and the receipts for its cost.",
        ),
        apply=_see_page(
            "取り決めの前でも相談できます。窓口にご相談ください。",
            "You can ask before you make the agreement: please talk to the desk.",
        ),
    ),
    _programme(
        "yoikuhi-hosho",
        KODOMO,
        ["yoikuhi"],
        ["child-support", "money", "stage:after"],
        name={
            "ja": "養育費保証の支援",
            "en": "Child-support guarantee fee support",
            "easy": "養育費が 払われない ときの 保証の 助け",
        },
        summary={
            "ja": "養育費が支払われないときに保証会社が立て替える「養育費保証契約」の保証料を"
            "助成します。",
            "en": "Helps with the fee of a child-support guarantee contract, under which a "
            "company pays you when the other parent does not.",
            "easy": "養育費が 払われない とき、会社が 代わりに 払う 契約が あります。その "
            "お金を 市が 助けます。",
        },
        eligibility=AMOUNTS,
        bring=_see_page(
            "養育費の取り決めの書類、保証契約の書類。",
            "The child-support agreement and the guarantee contract.",
        ),
        apply=_see_page("窓口にご相談ください。", "Please talk to the desk."),
    ),
    _programme(
        "horitsu-sodan",
        "市民相談室",
        ["horitsu-sodan", "yoikuhi"],
        ["legal", "child-support", "stage:before", "stage:after"],
        name={
            "ja": "弁護士による無料法律相談",
            "en": "Free legal consultation with a lawyer",
            "easy": "弁護士に 無料で 相談",
        },
        summary={
            "ja": "離婚、養育費、面会交流などについて、弁護士に無料で相談できます（予約制）。"
            "全国の窓口として法テラス（0570-078374）もあります。",
            "en": "Talk to a lawyer free of charge about divorce, child support or visits "
            "(by appointment). Nationally, 法テラス (Houterasu, 0570-078374) helps too.",
            "easy": "離婚や 養育費の ことを 弁護士に 無料で 相談できます。予約が 必要です。",
        },
        eligibility=_see_page("市内にお住まいの方。", "People who live in the city."),
        bring=_see_page(
            "相談したいことのメモ、関係する書類。",
            "Notes of what you want to ask, and any papers about it.",
        ),
        apply=_see_page(
            "市民相談室に電話で予約してください。",
            "Book by phone with the Citizens' Consultation Office.",
        ),
    ),
    _programme(
        "jutaku-shien",
        KODOMO,
        ["sumai"],
        ["housing", "money", "work", "stage:after"],
        name={
            "ja": "ひとり親家庭住宅支援資金貸付",
            "en": "Rent support loan for single parents",
            "easy": "家賃の お金を 借りられる 制度",
        },
        summary={
            "ja": "自立に向けて働く間の家賃を、一定期間貸し付けます。条件を満たすと返済が"
            "免除されます。",
            "en": "A loan for your rent while you work towards independence; it does not have "
            "to be paid back if you meet the conditions.",
            "easy": "仕事を しながら 生活を 立て直す 間の 家賃を 貸します。条件に 合うと "
            "返さなくて いいです。",
        },
        eligibility=AMOUNTS,
        bring=_see_page("窓口でご案内します。", "The desk will tell you what to bring."),
        apply=_see_page("窓口にご相談ください。", "Please talk to the desk."),
    ),
    _programme(
        "shugaku-enjo",
        "教育委員会 学務課",
        ["seikatsu"],
        ["money", "child:elementary", "child:junior-high"],
        name={"ja": "就学援助", "en": "School cost support", "easy": "学校の お金の 助け"},
        summary={
            "ja": "小学校・中学校の学用品、給食、修学旅行などの費用を援助します。",
            "en": "Helps with school supplies, lunches and school trips at elementary and "
            "junior high school.",
            "easy": "小学校と 中学校の 給食や 道具、旅行の お金を 助けます。",
        },
        eligibility=_see_page(
            "小学生・中学生のいる、所得が一定以下のご家庭。",
            "Families with children at elementary or junior high school, with an income limit.",
        ),
        bring=_see_page(
            "学校または学務課でご案内します。", "The school or the desk will tell you."
        ),
        apply=_see_page(
            "学校または学務課に申請書を出します。年度の途中でも申請できます。",
            "Hand the form in at the school or the desk, at any time of the school year.",
        ),
    ),
    _programme(
        "hoikusho",
        "保育課",
        ["seikatsu"],
        ["childcare", "work", "child:preschool"],
        name={"ja": "保育所の利用調整", "en": "Nursery places", "easy": "保育園に 入る こと"},
        summary={
            "ja": "ひとり親家庭は、保育所の入所の調整で考慮されます。",
            "en": "Single-parent families are given weight when nursery places are allocated.",
            "easy": "ひとり親の 家庭は 保育園に 入りやすく なる ことが あります。",
        },
        eligibility=AMOUNTS,
        bring=_see_page("保育課でご案内します。", "The desk will tell you what to bring."),
        apply=_see_page(
            "申し込みの締切は月ごとに決まっています。保育課にご相談ください。",
            "Each month has its own deadline: please talk to the desk.",
        ),
    ),
    _programme(
        "hitorioya-kojo",
        "税務課 市民税係",
        ["seikatsu"],
        ["money", "stage:after"],
        name={
            "ja": "ひとり親控除",
            "en": "Single-parent tax deduction",
            "easy": "ひとり親の 税金が 安く なる しくみ",
        },
        summary={
            "ja": "所得税と住民税で、ひとり親の方は所得から一定額が差し引かれます。",
            "en": "Income tax and resident tax take a set amount off a single parent's income.",
            "easy": "ひとり親の 人は 税金が 少し 安く なります。",
        },
        eligibility=AMOUNTS,
        bring=_see_page(
            "年末調整または確定申告で申告します。",
            "Claim it in your employer's year-end adjustment or your tax return.",
        ),
        apply=_see_page(
            "勤め先の年末調整、または確定申告で申告します。",
            "Through your employer's year-end adjustment, or your tax return.",
        ),
        url="https://www.nta.go.jp/",
    ),
    _programme(
        "kokuho-nenkin",
        "保険年金課",
        ["seikatsu", "iryo"],
        ["money", "health", "stage:after"],
        name={
            "ja": "国民年金保険料の免除・国民健康保険の軽減",
            "en": "Pension and health insurance reductions",
            "easy": "年金と 保険の お金が 安く なる しくみ",
        },
        summary={
            "ja": "収入が減ったときや、配偶者の健康保険から抜けたとき、保険料の免除や軽減を"
            "受けられる場合があります。",
            "en": "When your income falls, or you leave your spouse's health insurance, your "
            "contributions may be reduced or waived.",
            "easy": "収入が 減った ときなどに、年金や 保険の お金が 安く なる ことが あります。",
        },
        eligibility=AMOUNTS,
        bring=_see_page(
            "本人確認書類、年金手帳または基礎年金番号がわかるもの。",
            "ID and your pension number.",
        ),
        apply=_see_page("保険年金課の窓口で申請します。", "Apply at the desk."),
    ),
    _programme(
        "tsukin-teiki",
        KODOMO,
        ["shugyo"],
        ["money", "work", "stage:after"],
        name={
            "ja": "通勤定期乗車券の割引",
            "en": "Commuter pass discount",
            "easy": "通勤の 定期券が 安く なる",
        },
        summary={
            "ja": "児童扶養手当を受けている世帯の方は、JRの通勤定期券が3割引になります。"
            "市が証明書を出します。",
            "en": "Households receiving the child rearing allowance get 30% off JR commuter "
            "passes, with a certificate from the city.",
            "easy": "児童扶養手当を もらっている 人は、JRの 通勤の 定期券が 安く なります。",
        },
        eligibility=_see_page(
            "児童扶養手当を受けている世帯の方。",
            "Households receiving the child rearing allowance.",
        ),
        bring=_see_page("児童扶養手当証書、写真1枚。", "Your allowance certificate and a photo."),
        apply=_see_page(
            "こども家庭課で証明書を受け取り、駅で定期券を買います。",
            "Get the certificate at the desk, then buy the pass at the station.",
        ),
    ),
    _programme(
        "dv-sodan",
        "こども家庭課 女性相談・DV相談",
        [],
        ["safety", "legal", "housing", "stage:before", "stage:after"],
        name={
            "ja": "DV・安全についての相談",
            "en": "Safety and domestic violence consultation",
            "easy": "家で 安全でない ときの 相談",
        },
        summary={
            "ja": "配偶者や元の配偶者からの暴力、生活費を渡さない、強い束縛なども相談できます。"
            "秘密は守られます。住所を知られないための手続きもご案内します。",
            "en": "Violence, being kept without money, or being controlled by a partner or "
            "former partner: you can talk about all of it in confidence. We also help "
            "keep your address from being found.",
            "easy": "家族に 暴力を ふるわれる、お金を もらえない などの 相談が できます。"
            "相談した ことは ほかの 人に 言いません。",
        },
        eligibility=_see_page("どなたでも相談できます。", "Anyone can ask."),
        bring=_see_page("何もいりません。", "You do not need to bring anything."),
        apply=_see_page(
            "電話か窓口でご相談ください。お急ぎのときは110番へ。",
            "Call or come to the desk. In an emergency call 110.",
        ),
    ),
]

CATALOGUE = {"format": "yorisou-catalogue", "version": 1, "desks": DESKS, "programmes": PROGRAMMES}
