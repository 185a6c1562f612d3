"""What a card's codes are called on a page (the parent's and the console's alike)."""

from __future__ import annotations

from service.family import AGREED, INCOME_BANDS, STAGES
from service.support.forms import SAFE_TIMES
from service.support.guide import CHILDREN, WORRIES
from service.support.requests import CONTACT_WAYS

NAMES = {
    "stage": STAGES,
    "income_band": INCOME_BANDS,
    "support_agreed": AGREED,
    "children": CHILDREN,
    "needs": WORRIES,
    "safe_times": SAFE_TIMES,
    "contact_way": CONTACT_WAYS,
}
