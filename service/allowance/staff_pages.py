"""The estimate's tables in the console: the ones in force and to come, and an admin adds the
city's own when the government publishes next year's figures (no release needed), or removes
one added by mistake. Audited."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import DateField, FloatField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from service import get_session
from service.allowance.estimate import table_on
from service.allowance.models import AllowanceTable
from service.allowance.tables import FIGURES, tables_for
from service.audit import record_audit
from service.models import Organisation, Role
from service.subscribers import local_date
from service.types import utcnow
from service.web.access import own_or_404, role_required
from service.web.console import blueprint
from service.web.forms import CsrfOnlyForm, Form

LABELS = {
    "fuyou_full_first": "児童扶養手当 全部支給（1人目・月額）",
    "fuyou_partial_first_max": "児童扶養手当 一部支給の上限（1人目）",
    "fuyou_partial_first_min": "児童扶養手当 一部支給の下限（1人目）",
    "fuyou_full_further": "児童扶養手当 全部支給（2人目から1人につき）",
    "fuyou_partial_further_max": "児童扶養手当 一部支給の上限（2人目から）",
    "fuyou_partial_further_min": "児童扶養手当 一部支給の下限（2人目から）",
    "fuyou_limit_full": "全部支給の所得限度額（扶養親族0人）",
    "fuyou_limit_partial": "一部支給の所得限度額（扶養親族0人）",
    "fuyou_limit_step": "扶養親族1人ごとに加える額",
    "support_counted_percent": "所得に加える養育費の割合（%）",
    "flat_deduction": "一律控除（円）",
    "salary_deduction": "給与所得・公的年金等の所得から引く額（円）",
    "jidou_under_three": "児童手当 3歳未満（月額）",
    "jidou_older": "児童手当 3歳から高校生年代まで（月額）",
    "jidou_third": "児童手当 第3子以降（月額）",
    "partial_coefficient_first": "一部支給の算定に使う係数（1人目。空欄なら金額の幅を示します）",
    "partial_coefficient_further": "一部支給の算定に使う係数（2人目から）",
}


class AllowanceTableForm(Form):
    effective = DateField("適用の開始日", validators=[DataRequired()])
    source = StringField(
        "出典（例：こども家庭庁「児童扶養手当について」令和8年度）",
        validators=[DataRequired(), Length(max=500)],
    )

    def row(self, organisation_id: int) -> AllowanceTable:
        return AllowanceTable.model_validate(
            {
                "organisation_id": organisation_id,
                "effective": self.effective.data,
                "source": self.source.data,
                **{name: getattr(self, name).data for name in FIGURES},
            }
        )


for _name in FIGURES:
    if _name.startswith("partial_coefficient"):
        _field = FloatField(LABELS[_name], validators=[Optional(), NumberRange(min=0, max=1)])
    else:
        _field = IntegerField(
            LABELS[_name], validators=[InputRequired(), NumberRange(min=0, max=100_000_000)]
        )
    setattr(AllowanceTableForm, _name, _field)


def _ranges_hold(form: AllowanceTableForm) -> bool:
    """The partial ranges run from their lower to their upper amount, below the full one."""
    pairs = (
        ("fuyou_partial_first_min", "fuyou_partial_first_max", "fuyou_full_first"),
        ("fuyou_partial_further_min", "fuyou_partial_further_max", "fuyou_full_further"),
    )
    good = True
    for low, high, full in pairs:
        values = [getattr(form, name).data for name in (low, high, full)]
        if not values[0] <= values[1] <= values[2]:
            getattr(form, low).errors = ["下限・上限・全部支給の順に大きくなるようにしてください。"]
            good = False
    return good


@blueprint.route("/allowance", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def allowance_tables() -> ResponseReturnValue:
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    organisation_id = organisation.id or 0
    tables = tables_for(session, organisation_id)
    today = local_date(utcnow(), organisation.timezone)
    in_force = table_on(tables, today)
    if request.method == "GET":
        form = AllowanceTableForm(formdata=None, data={n: getattr(in_force, n) for n in FIGURES})
    else:
        form = AllowanceTableForm()
    if request.method == "POST" and form.validate_on_submit() and _ranges_hold(form):
        row = form.row(organisation_id)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            form.effective.errors = ["この日から適用する表は、もうあります。"]
        else:
            record_audit(
                session,
                staff=current_user,
                action="allowance_table.create",
                target=f"allowance_table:{row.id}",
                after={"effective": row.effective.isoformat(), "source": row.source},
            )
            session.commit()
            flash(f"{row.effective:%Y年%-m月%-d日}から使う表を追加しました。", "info")
            return redirect(url_for("staff.allowance_tables"), 303)
    return render_template(
        "staff/allowance_tables.html",
        organisation=organisation,
        tables=tables,
        in_force=in_force,
        form=form,
        labels=LABELS,
        delete_form=CsrfOnlyForm(),
    ), 400 if request.method == "POST" else 200


@blueprint.post("/allowance/<int:table_id>/delete")
@role_required(Role.ADMIN)
def delete_allowance_table(table_id: int) -> ResponseReturnValue:
    session = get_session()
    row = own_or_404(AllowanceTable, table_id)
    if not CsrfOnlyForm().validate():
        abort(400)
    record_audit(
        session,
        staff=current_user,
        action="allowance_table.delete",
        target=f"allowance_table:{row.id}",
        before={"effective": row.effective.isoformat(), "source": row.source},
    )
    session.delete(row)
    session.commit()
    flash("表を削除しました。", "info")
    return redirect(url_for("staff.allowance_tables"), 303)
