"""What a family may tell the city about itself, in the card's words: where they are, the
household's income band, whether child support (養育費) is agreed. The card keeps the codes; a
programme's conditions of eligibility are written in them too."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STAGES = {
    "before": _l("Thinking about divorce or separation"),
    "separated": _l("Separated"),
    "divorced": _l("Divorced"),
}
INCOME_BANDS = {
    "under-2m": _l("Under 2 million yen a year"),
    "2m-4m": _l("2 to 4 million yen a year"),
    "over-4m": _l("4 million yen a year or more"),
}
AGREED = {"yes": _l("Yes, it is agreed"), "no": _l("No, not agreed")}
