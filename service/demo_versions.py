"""The demo notices' English and やさしい日本語 versions, by their Japanese title: what a city's
staff add on the notice form so that a parent reading English or easy Japanese gets their own
language. Notices not listed here stay in Japanese only, as some of a real city's will (staff
see which versions are missing)."""

from __future__ import annotations

CITY_PAGE = "https://www.city.aoba.example.jp/hitorioya/"

# Japanese title: (English title, English body, easy title, easy body)
VERSIONS: dict[str, tuple[str, str, str, str]] = {
    "配信登録のご案内": (
        "Thank you for registering",
        "Thank you for registering for notices from Aoba City.\n\n"
        "We will send you deadlines and support for the topics you chose, at the time you "
        "need them.\n\n"
        "- You can change your topics or stop the notices at any time from the link at the "
        "bottom of every email.\n"
        "- If anything is unclear, please ask the single-parent support desk of the Children "
        "and Families Division.",
        "登録 ありがとう ございます",
        "あおば市の お知らせに 登録して くれて、ありがとう ございます。\n\n"
        "あなたが 選んだ ことに ついて、手続きの しめきりや 使える 制度を、"
        "ちょうど いい ときに 送ります。\n\n"
        "- 選んだ ことを 変えたい ときや、お知らせを 止めたい ときは、"
        "メールの いちばん 下の リンクを 押して ください。\n"
        "- わからない ことは、こども家庭課の ひとり親の 窓口に 聞いて ください。",
    ),
    "暮らしが変わったときに知っておきたいこと": (
        "What to know when your life changes",
        "When you separate or divorce, several procedures affect your children's life.\n\n"
        "- **Child allowance**: who receives it, or the bank account, may need to change.\n"
        "- **Living costs until the divorce**: you may be able to ask the other parent for "
        "them.\n"
        "- **Child support**: it is safer to put the agreement in writing.\n\n"
        f"The list of procedures is on the city's website.\n{CITY_PAGE}",
        "くらしが 変わった ときに 知って おきたい こと",
        "別居や 離婚の ときは、子どもの くらしの ための 手続きが いくつか あります。\n\n"
        "- **児童手当**：お金を 受け取る 人や 銀行の 口座を 変える ことが あります。\n"
        "- **離婚する までの 生活費**：相手に お願い できる ことが あります。\n"
        "- **養育費**：約束は 紙に 書いて おくと 安心です。\n\n"
        f"手続きの リストは、市の ホームページに あります。\n{CITY_PAGE}",
    ),
    "児童手当の受給者変更・振込先の手続きはお済みですか": (
        "Have you changed who receives the child allowance?",
        "When the parent your children live with changes because of a divorce or "
        "separation, the child allowance must be claimed again by the parent they live "
        "with.\n\n"
        "If you are late, there may be months you cannot receive. Please check the deadline "
        "and the papers you need on the city's website or at the Children and Families "
        "Division.\n\n"
        f"{CITY_PAGE}",
        "児童手当の 手続きは 終わりましたか",
        "離婚や 別居で 子どもと くらす 人が 変わった ときは、児童手当の 手続きが 必要です。\n\n"
        "手続きが おそいと、もらえない 月が 出る ことが あります。"
        "しめきりや 必要な 書類は、市の ホームページか こども家庭課の 窓口で 聞いて ください。\n\n"
        f"{CITY_PAGE}",
    ),
    "児童扶養手当の申請について": (
        "Applying for the child-rearing allowance",
        "The child-rearing allowance (児童扶養手当) is paid from the month after you apply. "
        "It cannot be paid for earlier months, so please apply soon if you may be "
        "eligible.\n\n"
        "Whether you can receive it and what papers you need depend on your situation. "
        "Please ask at the Children and Families Division.",
        "児童扶養手当の 申しこみ",
        "児童扶養手当は、申しこんだ 月の 次の 月の 分から もらえます。"
        "前の 月の 分は もらえません。早めに 申しこんで ください。\n\n"
        "もらえるか どうかや 必要な 書類は、人に よって ちがいます。"
        "こども家庭課の 窓口で 聞いて ください。",
    ),
    "児童扶養手当の現況届の受付が8月1日から始まります": (
        "The yearly report for the child-rearing allowance starts on 1 August",
        "If you receive the child-rearing allowance, you must hand in the yearly report "
        "(現況届) between 1 and 31 August every year.\n\n"
        "Without it, the allowance stops from the November payment, and after two years "
        "without it you lose the right to it.\n\n"
        "How to hand it in and what to bring are in the letter the city sends you.",
        "児童扶養手当の 現況届は 8月1日から です",
        "児童扶養手当を もらって いる 人は、毎年 8月1日から 31日までに 現況届を 出します。\n\n"
        "出さないと、11月の 分から 手当が もらえません。"
        "2年 出さないと、手当を もらう ことが できなく なります。\n\n"
        "出しかたや 持ち物は、市から 届く 手紙を 見て ください。",
    ),
    "児童扶養手当の現況届は8月31日までです": (
        "The yearly report for the child-rearing allowance is due by 31 August",
        "Have you handed in the yearly report? The deadline is 31 August.\n\n"
        "If not, please come to the Children and Families Division soon. If you cannot come "
        "by the deadline, please tell us early.",
        "現況届の しめきりは 8月31日です",
        "現況届は 出しましたか。しめきりは 8月31日です。\n\n"
        "まだの 人は、早めに こども家庭課の 窓口に 来て ください。"
        "しめきりまでに 来られない 人は、早めに 相談して ください。",
    ),
    "親支援講座のご案内": (
        "Seminar for parents",
        "A specialist talks about how divorce affects children, and about agreeing on child "
        "support and visits.\n\n"
        "- Place: Aoba City Hall, main building, 5th floor, meeting room 1\n"
        "- Free of charge (childcare available, please book)\n\n"
        "Book with the button below: no name or address to type.",
        "親の ための 講座",
        "離婚が 子どもに あたえる こと、養育費や 親子交流の 約束に ついて、"
        "専門の 人が 話します。\n\n"
        "- 場所：あおば市役所 本庁舎 5階 第1会議室\n"
        "- お金は かかりません（子どもを あずける ことも できます。予約して ください）\n\n"
        "下の ボタンから 予約 できます。名前や 住所を 書く ことは ありません。",
    ),
    "今月の無料法律相談（養育費・親子交流）": (
        "This month's free legal consultation (child support and visits)",
        "Every month a lawyer gives free legal consultations. You can ask about child support, "
        "visits with the other parent, and the procedures after a divorce.\n\n"
        f"Dates and how to book are on the city's website.\n{CITY_PAGE}",
        "今月の 弁護士の 相談（無料）",
        "毎月、弁護士に 無料で 相談 できます。養育費や 親子交流、離婚の あとの 手続きに ついて "
        "聞けます。\n\n"
        f"日にちと 予約の しかたは、市の ホームページに あります。\n{CITY_PAGE}",
    ),
}
