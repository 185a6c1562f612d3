"""The demo city's answers in English, for parents who read English better: code → (question,
answer). Kept beside the Japanese as staff would keep the column of a translated sheet."""

from __future__ import annotations

from service.support.demo_catalogue import PAGE

MOJ_AGREEMENT = "http://www.moj.go.jp/MINJI/minji07_00194.html"
COURTS = "https://www.courts.go.jp/saiban/syurui/syurui_kazi/youikuhi-tetsuzuki/index.html"
DESK = "the Single-parent support desk (Children and Families Division)"

EN: dict[str, tuple[str, str]] = {
    "fuyo-001": (
        "Who can receive the child-rearing allowance (児童扶養手当)?",
        "A parent raising a child who does not live with the other parent, after a divorce for "
        "example. It is paid until the first 31 March after the child turns 18 (under 20 for "
        f"some disabilities).\n\nThere is an income limit. Please ask {DESK} whether you qualify.",
    ),
    "fuyo-002": (
        "How much is the child-rearing allowance?",
        "Monthly amounts from April 2025 (the same across Japan):\n\n"
        "- First child: 46,690 yen in full; partial 46,680 to 11,010 yen\n"
        "- Each further child: 11,030 yen in full; partial 11,020 to 5,520 yen\n\n"
        f"The partial amount depends on income. Please ask {DESK} for your amount.",
    ),
    "fuyo-003": (
        "What is the income limit of the child-rearing allowance?",
        "It depends on income after deductions (not earnings) and the number of dependants. "
        "The full allowance: up to 690,000 yen with no dependant, 1,070,000 yen with one, "
        "1,450,000 yen with two (partial: 2,080,000, 2,460,000 and 2,840,000 yen).\n\n"
        "80% of the child support you receive counts as income. Please ask the desk.",
    ),
    "fuyo-004": (
        "When is the child-rearing allowance paid?",
        "In odd months (January, March, May, July, September, November), two months at a time. "
        f"See the city's website for the payment days.\n{PAGE}",
    ),
    "fuyo-005": (
        "By when should I apply for the child-rearing allowance?",
        "It is paid from the month after you apply and cannot be paid for earlier months, so "
        "please apply soon after the divorce is registered.\n\n"
        "Bring your family register (戸籍謄本), ID and your bank book.",
    ),
    "fuyo-006": (
        "When do I send the annual status report (現況届)?",
        "Everyone receiving the allowance sends it between 1 and 31 August every year. Without "
        "it, payments stop from November; after two years without it you lose the right to the "
        "allowance.\n\nThe letter from the city says what to bring and where to go.",
    ),
    "fuyo-007": (
        "I heard the allowance is halved after some years",
        "After 5 years of payments (or 5 years after the child turns 3) the allowance may be "
        "halved.\n\nIf you work, look for work, or are ill, send the exemption form "
        "(一部支給停止適用除外事由届) and it is not reduced. We send it with the August report.",
    ),
    "fuyo-008": (
        "Until when is the child-rearing allowance paid?",
        "Until the first 31 March after the child turns 18: the end of the third year of high "
        "school. For a child with certain disabilities, until the child turns 20.",
    ),
    "fuyo-009": (
        "Does child support reduce the allowance?",
        "Yes. 80% of the child support you receive counts as income and affects the amount. "
        "Please declare it when you apply and in the August report.",
    ),
    "jido-001": (
        "Can the child allowance (児童手当) come to me after the divorce?",
        "The parent who lives with the child receives it. When that changes, the parent who now "
        "lives with the child applies (認定請求).\n\nIf you apply late, some months may not be "
        f"paid. Please come to {DESK} soon.",
    ),
    "jido-002": (
        "How much is the child allowance?",
        "Since October 2024 it is paid for every child up to high-school age, with no income "
        "limit:\n\n- Under 3: 15,000 yen a month\n- From 3 to high-school age: 10,000 yen a "
        "month\n- Third child and later: 30,000 yen a month",
    ),
    "jido-003": (
        "When is the child allowance paid?",
        "In even months (February, April, June, August, October, December), two months at a "
        f"time. See the city's website for the payment days.\n{PAGE}",
    ),
    "iryo-001": (
        "Is there help with medical costs for single-parent families?",
        "The city pays part of what the parent and the children pay at clinics and hospitals. "
        "Who qualifies and how to apply differ by city.\n\nSee the city's website or ask the "
        f"Health Insurance and Pension Division.\n{PAGE}",
    ),
    "yoiku-001": (
        "How do we agree on child support?",
        "It is safer to put what you agree in writing. The Ministry of Justice has a guide with "
        f"a template agreement.\n{MOJ_AGREEMENT}\n\nIf you cannot agree, the family court "
        "offers mediation.",
    ),
    "yoiku-002": (
        "Is there help with the cost of a notarised child-support deed?",
        "The city pays part of the cost of making the child-support agreement a notarial deed "
        "(the limit differs by city). Apply within the deadline, for example within 6 months "
        f"of making it.\n\nSee the city's website.\n{PAGE}",
    ),
    "yoiku-003": (
        "What can I do when child support is not paid?",
        "With a notarial deed or a mediation record you can ask the court to enforce it (for "
        f"example, taking it from the other parent's salary). See the courts' page.\n{COURTS}\n\n"
        "You can also use the city's free legal consultation.",
    ),
    "yoiku-004": (
        "Is there help with the fee of a child-support guarantee?",
        "The city pays part of the fee when you sign a child-support guarantee contract with a "
        f"guarantee company (the limit differs by city).\n\nSee the city's website.\n{PAGE}",
    ),
    "yoiku-005": (
        "What is statutory child support (法定養育費)?",
        "For divorces from 1 April 2026, you can claim 20,000 yen a month per child even "
        "without an agreement, until you agree on an amount. Please ask at a legal "
        "consultation.",
    ),
    "yoiku-006": (
        "What changes with joint custody?",
        "From April 2026 parents can choose joint custody after a divorce. They decide "
        "together; if they cannot, the family court decides. Where there is a risk of violence, "
        "custody goes to one parent. If unsure, use a legal consultation.",
    ),
    "horitsu-001": (
        "Can I talk to a lawyer for free?",
        "The city holds a free consultation with a lawyer every month (30 minutes each). "
        "Booking is needed. Nationally, you can also call Houterasu (0570-078374).",
    ),
    "horitsu-002": (
        "Is there a deadline for dividing property or pensions?",
        "For divorces from 1 April 2026, 5 years from the divorce (2 years for earlier "
        "divorces). If you are unsure, use the free legal consultation.",
    ),
    "shikin-001": (
        "Can a single parent borrow money?",
        "The welfare loans for single parents (母子父子寡婦福祉資金) lend, without interest or at "
        "low interest, for a child's schooling, school entry, moving, training, living costs "
        f"and more. Ask {DESK} about the conditions.",
    ),
    "shikin-002": (
        "Can I borrow money to prepare for school entry?",
        "The school-entry loan (就学支度資金) covers what entering a school costs. Applications "
        f"open at set times, so please ask {DESK} early.",
    ),
    "shigoto-001": (
        "Is there help with living costs while I train for a qualification?",
        "While you study for 6 months or more for a qualification such as nurse or childcare "
        "worker, you can receive a monthly grant (100,000 yen for households exempt from "
        f"resident tax). For an April start, please talk to {DESK} between January and March.",
    ),
    "shigoto-002": (
        "Is there help with course fees?",
        "When you finish an approved course, part of the fee is paid back. Apply before the "
        "course starts.",
    ),
    "sumai-001": (
        "Is there housing support for single parents?",
        "Single-parent households may get priority for city housing, and there is rent support "
        f"(ひとり親家庭住宅支援資金貸付). Ask {DESK} about the conditions.",
    ),
    "kyoiku-001": (
        "Is there help with school supplies and lunches?",
        "School aid (就学援助) helps families with little money to pay for school supplies, "
        "lunches and school trips. Apply at the Board of Education or at the school.",
    ),
    "hoiku-001": (
        "Do single parents get a nursery place more easily?",
        "Single-parent households may get priority when nursery places are allocated, and the "
        "fee may be lower. Ask the Nursery Division.",
    ),
    "zei-001": (
        "What is the single-parent deduction?",
        "Single parents may get a deduction in income tax and resident tax. Employees claim it "
        "in the year-end adjustment; others in the tax return (16 February to 15 March).",
    ),
    "hoken-001": (
        "What happens to my health insurance after the divorce?",
        "When you leave your spouse's health insurance or pension, switch to National Health "
        "Insurance and the National Pension within about 14 days, at the Health Insurance and "
        "Pension Division. Not needed if you join your employer's insurance.",
    ),
    "hoken-002": (
        "I cannot pay the National Pension contributions",
        "With a low income you can apply for an exemption or a postponement. Applications for "
        "each new year open in July. Ask the Health Insurance and Pension Division or the "
        "pension office.",
    ),
    "teiki-001": (
        "Are commuter passes cheaper for single parents?",
        "Households receiving the child-rearing allowance can buy JR commuter passes at 30% "
        f"off. Get the certificate at {DESK}, then buy the pass at the station.",
    ),
    "koseki-001": (
        "Can I keep my married surname after the divorce?",
        "Yes, if you file the form to keep it (離婚の際に称していた氏を称する届) within 3 months "
        "of "
        "the divorce, at the family-registry counter of the Citizens Division.",
    ),
    "koseki-002": (
        "How do I give my child my surname?",
        "Get the family court's permission to change the child's surname (子の氏の変更許可), "
        "then file the entry form (入籍届) at the Citizens Division.",
    ),
    "jusho-001": (
        "What do I do when I move?",
        "Register the move (転入届 or 転居届) within 14 days. If you receive allowances, tell the "
        "Children and Families Division too.",
    ),
    "madoguchi-001": (
        "Where is the desk for single parents?",
        f"{DESK}, city hall 3rd floor, open weekdays 8:30 to 17:15. You can ask about "
        "allowances, child support, work and housing in one place.",
    ),
    "dv-001": (
        "Where can I get help to escape from my partner?",
        "It stays confidential. Talk to the city's women's and DV consultation, DV相談ナビ "
        "(#8008) or DV相談＋ (0120-279-889, 24 hours). If your life is in danger, call 110.",
    ),
    "seminar-001": (
        "Are there seminars for parents who are divorcing?",
        "Experts talk about how divorce affects children and how to agree on child support and "
        "contact. The dates come in the city's notices.",
    ),
    "kaigo-001": (
        "Can my child join after-school care?",
        "Single-parent households may get priority for after-school clubs (学童保育). See the "
        "city's website for when to apply.",
    ),
    "seikatsu-001": (
        "I am struggling to get by",
        f"Please talk to {DESK} first. Besides allowances and loans, we connect you with public "
        "assistance and the support desk for people in hardship.",
    ),
    "fuyo-010": (
        "I lost my child-rearing allowance certificate",
        "It can be reissued. Bring your ID to the Children and Families Division.",
    ),
    "fuyo-011": (
        "I want the child-rearing allowance paid into another account",
        "Send the form to change the bank (支払金融機関変更届). The account must be in your own "
        "name; bring its bank book or card.\n\nJust before a payment day it may be too late for "
        "the next payment, so please do it early.",
    ),
    "fuyo-012": (
        "What happens to the allowance if I remarry?",
        "When you marry, or live as a couple without marrying, the allowance ends. Send the form "
        "(資格喪失届).\n\nAllowance paid after that must be returned. If unsure, ask the "
        "Children and Families Division.",
    ),
    "fuyo-013": (
        "Can I get the allowance while receiving a pension?",
        "If your public pension (survivor's, disability or old-age) or workers' compensation is "
        "lower than the allowance, you receive the difference. With a basic disability pension, "
        "the child supplement is compared.\n\nTell the Children and Families Division when a "
        "pension starts.",
    ),
    "fuyo-014": (
        "Can I get the allowance while separated but not yet divorced?",
        "As a rule, no.\n\nIt may be possible when the court has issued a protection order "
        "against your spouse's violence, or your spouse has abandoned you for a year or more. "
        "Please ask the Children and Families Division.",
    ),
    "fuyo-015": (
        "Can single fathers get the child-rearing allowance?",
        "Yes. Fathers raising children alone receive it on the same terms as mothers.",
    ),
    "fuyo-016": (
        "When does the amount of the allowance change?",
        "The amounts follow prices and are revised every April. From November it is worked out "
        "again from the previous year's income, so it changes when your income does. The "
        "letter after the August report tells you the new amount.",
    ),
    "jido-004": (
        "How is the third child counted for the child allowance?",
        "Since October 2024, children up to the 31 March after they turn 22 count if you pay "
        "their living costs. With a university student, a high-school student and a "
        "primary-school child, the youngest is the third child: 30,000 yen a month. To count "
        "the older one, send the confirmation form about their living costs.",
    ),
    "jido-005": (
        "What if I apply late for the child allowance?",
        "Apply within 15 days of the day after the divorce or move and it is paid from the next "
        "month. After 15 days it is paid from the month after you apply, not for earlier months.",
    ),
    "jido-006": (
        "Can I receive the child allowance while separated before the divorce?",
        "While you are separated and negotiating the divorce, the parent living with the child "
        "can receive it. Bring a paper showing the negotiation (a copy of the mediation "
        "application, for example) to the Children and Families Division.",
    ),
    "jido-007": (
        "I want the child allowance paid into another account",
        "It can go to an account in the recipient's own name. Bring the new account's details "
        "to the Children and Families Division. If the recipient changes (from your ex-partner "
        "to you), you need to apply as the new recipient instead.",
    ),
    "iryo-002": (
        "When do I renew the single-parent medical card?",
        "When and how it is renewed differs by city. When the letter comes, renew it by the "
        "deadline. See the city's website or ask the Health Insurance and Pension "
        f"Division.\n{PAGE}",
    ),
    "iryo-003": (
        "I forgot to show my medical card at the clinic",
        "Apply afterwards and the subsidised part is paid back. Bring the receipt, the card and "
        "your bank details to the Health Insurance and Pension Division.",
    ),
    "yoiku-007": (
        "How much child support is usual?",
        "The family courts' table (養育費算定表) is the usual guide: it depends on both parents' "
        f"incomes and the children's number and ages.\n{COURTS}\n\nParents may agree on any "
        "amount. If unsure, use the free legal consultation.",
    ),
    "yoiku-008": (
        "How do we arrange the child's contact with the other parent?",
        "Agree how often, how long, where and how to hand the child over, with the child's "
        f"feelings first. The Ministry of Justice's template helps.\n{MOJ_AGREEMENT}\n\nIf you "
        "fear violence, do not force an agreement: talk to us first.",
    ),
    "yoiku-009": (
        "What should we decide before divorcing?",
        "Custody, child support, contact, dividing property and pensions. The Ministry of "
        "Justice's page 「離婚を考えている方へ」 lists them.\n"
        "http://www.moj.go.jp/MINJI/minji07_00011.html\n\nPut what you decide in writing, "
        "ideally a notarial deed.",
    ),
    "yoiku-010": (
        "We never agreed on child support",
        "You can still agree now, by talking or through mediation at the family court. For "
        "divorces from 1 April 2026 you can claim statutory child support (20,000 yen a month "
        "per child) until you agree.\n\nThe Ministry of Justice's page on unpaid child support:"
        "\nhttp://www.moj.go.jp/MINJI/minji07_00101.html",
    ),
    "yoiku-011": (
        "I cannot claim child support because I do not know where the other parent lives",
        "With a notarial deed or a mediation record, a court procedure may find the other "
        "parent's employer or assets. It is complicated: please use the free legal consultation "
        "or Houterasu (0570-078374).",
    ),
    "horitsu-003": (
        "Can I claim living costs from my spouse while we are separated?",
        "Until the divorce, you can claim the couple's living costs (婚姻費用). If you cannot "
        "agree, apply for mediation at the family court. It is often granted from when you "
        "claimed, so ask early.",
    ),
    "horitsu-004": (
        "I cannot pay a lawyer",
        "With a limited income and savings, Houterasu gives free legal consultations (up to 3 "
        "for the same problem) and can pay the lawyer's fees for you, repaid in instalments. "
        "Call Houterasu (0570-078374).",
    ),
    "shikin-003": (
        "Can I borrow for my child's high-school or university fees?",
        "The study loan (修学資金) of the welfare loans lends tuition for high school, "
        "university or vocational school without interest. Consider it with national "
        "scholarships and fee support. Ask the Children and Families Division.",
    ),
    "shikin-004": (
        "Can I borrow money to move?",
        "The moving loan (転宅資金) covers the deposit and removal costs. Ask before you sign "
        "the contract.",
    ),
    "shigoto-003": (
        "Where can I get help finding work while raising children?",
        "Hello Work's Mothers' Corner (マザーズハローワーク) has space to come with your child "
        "and jobs with hours that suit parents. The Children and Families Division also helps "
        "single parents with work.",
    ),
    "shigoto-004": (
        "Which qualifications does the training grant cover?",
        "Qualifications that take 6 months or more of training: nurse, assistant nurse, "
        "childcare worker, care worker, physiotherapist, occupational therapist, dental "
        "hygienist and others (it differs a little by city). 100,000 yen a month for "
        "households exempt from resident tax, 70,500 yen otherwise; 40,000 yen more in the "
        "last year.",
    ),
    "sumai-002": (
        "I may not be able to pay the rent",
        "If you lost your job or your income fell sharply, the housing benefit (住居確保給付金) "
        "pays rent for a period. The desk for people in hardship takes it: talk to the Children "
        "and Families Division first and we will connect you.",
    ),
    "sumai-003": (
        "Is there somewhere I can live with my children?",
        "Mother-and-child support facilities (母子生活支援施設) let mothers with children under "
        "18 live together with help for daily life and work. Ask the Children and Families "
        "Division.",
    ),
    "hoiku-002": (
        "How much is the nursery fee?",
        "For children aged 3 to 5, nursery and kindergarten are free. Under 3, they are free "
        "for households exempt from resident tax, and some cities lower them further for single "
        "parents. Ask the Nursery Division.",
    ),
    "hoiku-003": (
        "My child is ill and I have to work",
        "Sick-child care (病児保育) looks after ill children, and the Family Support Centre "
        "finds local people to take and look after children. Single parents may get help with "
        f"the fee.\n{PAGE}",
    ),
    "kyoiku-002": (
        "Is there help with high-school fees?",
        "The high-school tuition support (高等学校等就学支援金) pays tuition; apply through the "
        "school. For textbooks and more, households exempt from resident tax can get the "
        "high-school scholarship grant.",
    ),
    "kyoiku-003": (
        "Is there help with university fees?",
        "The national support for higher education may reduce fees and give a grant you need "
        "not repay. Ask the high-school teacher or JASSO. The study loan of the welfare loans "
        "can help too.",
    ),
    "zei-002": (
        "Do single parents pay resident tax?",
        "Not if last year's total income was 1,350,000 yen or less. You need to declare that "
        "you are a single parent.",
    ),
    "hoken-003": (
        "I cannot pay the National Health Insurance premium",
        "For low incomes it is reduced automatically (you need to declare your income). If you "
        "lost your job or your income fell sharply, ask the Health Insurance and Pension "
        "Division about a reduction or paying in parts.",
    ),
    "koseki-003": (
        "What do I need to file the divorce?",
        "For a divorce by agreement: the divorce form signed by two adult witnesses, and the ID "
        "of whoever brings it. With children under 18, name the parent with custody. File it "
        "at the family-registry counter of the Citizens Division.",
    ),
    "koseki-004": (
        "What happens to my child's family register after the divorce?",
        "The child's register and surname do not change by themselves. To bring the child into "
        "your register, get the family court's permission to change the surname, then file the "
        "entry form at the Citizens Division.",
    ),
    "tetsuzuki-001": (
        "What do I have to do after the divorce?",
        "The main steps:\n\n- If you move: register the move (within 14 days)\n- Health "
        "insurance and pension: switch to the national ones (within 14 days)\n- Child "
        "allowance: change the recipient (within 15 days)\n- Apply for the child-rearing "
        "allowance and the medical subsidy\n- Surname: to keep it, file within 3 months\n\n"
        "The Children and Families Division tells you what applies to you, in one visit.",
    ),
    "madoguchi-002": (
        "Can I ask by phone?",
        f"Yes. {DESK} answers the phone on weekdays 8:30 to 17:15. To have the desk contact "
        "you, send how and when you would like it from “Ask a desk”.",
    ),
    "madoguchi-003": (
        "Can I ask in a language other than Japanese?",
        "An interpreter or a translation app may be arranged. Please contact the Children and "
        "Families Division before you come. This answer can be read in English and easy "
        "Japanese too.",
    ),
    "dv-002": (
        "I do not want my ex-partner to know my address",
        "If you suffer domestic violence or stalking, apply for the support measure (DV等支援"
        "措置) and the other person cannot obtain copies of your resident record. Talk to the "
        "women's and DV consultation or the police first. It stays confidential.",
    ),
    "dv-003": (
        "I am worried about my child",
        "Talk to the Children and Families Division about any worry in raising your child. If "
        "a child may be in danger, call the child guidance centre at once (189, 24 hours).",
    ),
    "seikatsu-002": (
        "Can I get public assistance (生活保護)?",
        "If you cannot live on your work and other support, you can apply for public "
        "assistance: it is your right. The welfare office takes applications; you can also ask "
        "the Children and Families Division, who will connect you.",
    ),
    "kokoro-001": (
        "I feel low and cannot sleep",
        "Please do not carry it alone. Yorisoi Hotline (0120-279-338, 24 hours) and the mental "
        "health line (0570-064-556) will listen. The Children and Families Division is there "
        "for you too.",
    ),
}
