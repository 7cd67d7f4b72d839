"""The bulk services (the import of a district's table) store what the
one-row services store, refuse what they refuse, and keep the history."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import services
from projects.indicator_codes import CodedIndicator
from projects.models import (
    BudgetProject,
    Evaluation,
    Indicator,
    ReviewComment,
    TargetProject,
)
from projects.workflow import Locked
from tests import factories

pytestmark = pytest.mark.django_db

SKIP = {"id", "project", "evaluation"}


def _rows():
    return [
        {
            "seq": 1,
            "name": "就业补贴",
            "unit_name": "某某中心",
            "budget_general": Decimal("120.50"),
            "actual_general": Decimal("118.25"),
            # Tabs, line breaks and backslashes survive PostgreSQL's COPY.
            "annual_goal": "促进就业\t第一\n第二\\三\r\\N",
            "published": {"budget_total": "120.50"},
            "indicators": [
                {
                    "level2_code": "11",
                    "annual_value": "1.培训人数≥100人；",
                    "actual_value": "1.完成120人。",
                    "order": 1,
                },
                {
                    "level2_code": "31",
                    "name": "服务对象满意度",
                    "annual_value": "≥90%",
                    "actual_value": "95%",
                    "weight": Decimal("10"),
                    "score": Decimal("9.5"),
                    "order": 2,
                },
            ],
        },
        {
            "seq": 2,
            "name": "未分资金来源的项目",
            "budget_total_unsplit": Decimal("3000"),
            "actual_other": Decimal("0.01"),
            "excluded_from_execution_rate": True,
            "exclusion_note": "结转资金",
            "indicators": [],
        },
    ]


def _one_by_one(evaluation, rows):
    for row in rows:
        fields = dict(row)
        items = fields.pop("indicators")
        project = services.budget_project_create(evaluation=evaluation, **fields)
        for item in items:
            services.indicator_create(project=project, **item)


def _stored(evaluation):
    projects = []
    for project in evaluation.projects.order_by("seq"):
        indicators = [
            {k: v for k, v in model_to_dict(i).items() if k not in SKIP}
            for i in project.indicators.order_by("order")
        ]
        fields = {k: v for k, v in model_to_dict(project).items() if k not in SKIP}
        projects.append((fields, project.version, indicators))
    return projects


def test_bulk_stores_what_the_one_row_services_store():
    single, bulk = factories.EvaluationFactory(), factories.EvaluationFactory()
    _one_by_one(single, _rows())
    services.budget_projects_bulk_create(evaluation=bulk, rows=_rows())
    assert _stored(bulk) == _stored(single)
    # The parsed target is there for scoring, as from indicator_create.
    indicator = Indicator.objects.get(project__evaluation=bulk, order=2)
    assert (indicator.operator, indicator.target_number, indicator.unit) == (
        "≥",
        Decimal(90),
        "%",
    )
    assert indicator.level1.code == "3"


def test_bulk_writes_one_history_record_per_row_with_the_user():
    user = factories.UserFactory()
    evaluation = factories.EvaluationFactory()
    services.budget_projects_bulk_create(evaluation=evaluation, rows=_rows(), user=user)
    for project in evaluation.projects.all():
        (record,) = project.history.all()
        assert record.history_type == "+"
        assert record.history_user == user
        assert record.history_change_reason == "Excel 导入"
        assert record.name == project.name
        assert record.budget_general == project.budget_general
        assert record.published == project.published
    indicator = Indicator.objects.get(project__evaluation=evaluation, order=2)
    (record,) = indicator.history.all()
    assert (record.weight, record.score, record.level2_id) == (
        Decimal("10.00"),
        Decimal("9.50"),
        indicator.level2_id,
    )
    # A later edit shows as a change against the imported values.
    indicator.actual_value = "97%"
    services.indicator_save(indicator=indicator)
    latest = indicator.history.first()
    changes = latest.diff_against(latest.prev_record).changed_fields
    assert "actual_value" in changes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"budget_general": Decimal("-1")}, "金额不能为负数"),
        ({"budget_general": Decimal("1.001")}, "全年预算数·一般公共预算"),
        ({"name": "长" * 201}, "项目名称"),
        ({"name": "未分资金来源的项目"}, "项目名称重复：“未分资金来源的项目”"),
    ],
)
def test_bad_project_values_are_refused_with_the_field_and_nothing_saved(
    change, message
):
    evaluation = factories.EvaluationFactory()
    rows = _rows()
    rows[0] |= change
    with pytest.raises(ValidationError) as bulk_error:
        services.budget_projects_bulk_create(evaluation=evaluation, rows=rows)
    assert message in " ".join(bulk_error.value.messages)
    assert not evaluation.projects.exists()
    assert not BudgetProject.history.filter(evaluation_id=evaluation.pk).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level2_code": "99"}, "未知的指标编码：99"),
        ({"score": Decimal("11")}, "得分须在 0 与分值之间"),
        ({"weight": Decimal("-1"), "score": None}, "分值"),
        ({"annual_value": "≥1.123456%"}, "指标值（数值）"),
    ],
)
def test_bad_indicators_are_refused_like_indicator_create(change, message):
    evaluation = factories.EvaluationFactory()
    rows = _rows()
    rows[0]["indicators"][1] |= change
    with pytest.raises(ValidationError) as bulk_error:
        services.budget_projects_bulk_create(evaluation=evaluation, rows=rows)
    text = " ".join(bulk_error.value.messages)
    assert message in text and "项目“就业补贴”" in text
    assert not evaluation.projects.exists()
    # The one-row service refuses the same indicator.
    with pytest.raises(ValidationError), transaction.atomic():
        _one_by_one(factories.EvaluationFactory(), rows)


def test_every_problem_is_reported_at_once():
    evaluation = factories.EvaluationFactory()
    rows = _rows()
    rows[0]["budget_general"] = Decimal("-1")
    rows[1]["indicators"] = [{"level2_code": "98"}]
    with pytest.raises(ValidationError) as error:
        services.budget_projects_bulk_create(evaluation=evaluation, rows=rows)
    text = " ".join(error.value.messages)
    assert "项目“就业补贴”" in text and "未知的指标编码：98" in text


def test_a_frozen_evaluation_is_refused():
    evaluation = factories.EvaluationFactory(status=Evaluation.Status.APPROVED)
    with pytest.raises(Locked):
        services.budget_projects_bulk_create(evaluation=evaluation, rows=_rows())
    assert not evaluation.projects.exists()


def test_target_projects_bulk_matches_target_project_create():
    indicators = [
        CodedIndicator(
            1, "1", "产出指标", "11", "数量指标", "培训人数", "≥300人", "≥100人"
        ),
        CodedIndicator(
            2, "3", "满意度指标", "31", "服务对象满意度指标", "满意度", "", "≥90%"
        ),
    ]
    row = {
        "seq": 1,
        "name": "职业技能培训",
        "fund_user": "某某中心",
        "fiscal": Decimal("50"),
        "special_account": None,
        "other": Decimal("1.5"),
        "goal": "提升技能",
        "indicators": indicators,
    }
    single, bulk = factories.EvaluationFactory(), factories.EvaluationFactory()
    services.target_project_create(evaluation=single, **row)
    services.target_projects_bulk_create(evaluation=bulk, rows=[row])

    def stored(evaluation):
        project = TargetProject.objects.get(evaluation=evaluation)
        return (
            {k: v for k, v in model_to_dict(project).items() if k not in SKIP},
            [
                {k: v for k, v in model_to_dict(i).items() if k not in SKIP}
                for i in project.indicators.all()
            ],
        )

    assert stored(bulk) == stored(single)
    wrong = [CodedIndicator(1, "1", "产出指标", "31", "满意度", "满意度", "", "≥90%")]
    with pytest.raises(ValidationError, match="二级指标 31 不属于一级指标 1"):
        services.target_projects_bulk_create(
            evaluation=factories.EvaluationFactory(),
            rows=[{**row, "indicators": wrong}],
        )


amounts = st.one_of(
    st.none(),
    st.decimals(min_value=-5, max_value=10**12, allow_nan=False, places=3),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    budget=amounts,
    actual=amounts,
    weight=amounts,
    score=amounts,
    # No NUL: neither a form field nor an xlsx cell (XML 1.0) can carry one,
    # and PostgreSQL refuses it before any validator runs.
    name=st.text(
        st.characters(blacklist_characters="\x00"), min_size=1, max_size=210
    ).filter(lambda s: s.strip()),
    target=st.sampled_from(["≥95%", "≤3天", "100人", "按期完成", "≥0.12345万元"]),
)
def test_bulk_refuses_exactly_what_the_one_row_services_refuse(
    budget, actual, weight, score, name, target
):
    row = {
        "seq": 1,
        "name": name,
        "budget_general": budget,
        "actual_general": actual,
        "indicators": [
            {
                "level2_code": "11",
                "annual_value": target,
                "weight": weight,
                "score": score,
            }
        ],
    }

    def accepted(write) -> bool:
        try:
            with transaction.atomic():
                write(factories.EvaluationFactory())
                transaction.set_rollback(True)
        except ValidationError:
            return False
        return True

    one = accepted(lambda e: _one_by_one(e, [row]))
    many = accepted(
        lambda e: services.budget_projects_bulk_create(evaluation=e, rows=[row])
    )
    assert one == many


def test_deleting_a_table_writes_the_history_of_a_one_by_one_delete():
    user = factories.UserFactory()
    bulk, single = factories.EvaluationFactory(), factories.EvaluationFactory()
    for evaluation in (bulk, single):
        services.budget_projects_bulk_create(evaluation=evaluation, rows=_rows())
    indicator = Indicator.objects.filter(project__evaluation=bulk).first()
    comment = ReviewComment.objects.create(
        evaluation=bulk,
        project=indicator.project,
        indicator=indicator,
        author_name="审核人",
        text="请核实",
    )
    assert services.budget_projects_delete_all(evaluation=bulk, user=user) == 2
    for project in single.projects.all():
        services.budget_project_delete(project=project)

    assert not bulk.projects.exists()
    assert not Indicator.objects.filter(project__evaluation=bulk).exists()
    comment.refresh_from_db()
    assert comment.project is None and comment.indicator is None
    # The "-" records of the bulk delete match those of Django's delete.
    for model in (BudgetProject, Indicator):
        records = {
            evaluation.pk: sorted(
                (r.name, getattr(r, "annual_value", ""))
                for r in model.history.filter(history_type="-")
                if _evaluation_of(r) == evaluation.pk
            )
            for evaluation in (bulk, single)
        }
        assert records[bulk.pk] == records[single.pk] != []
    assert {
        r.history_user_id
        for r in BudgetProject.history.filter(history_type="-", evaluation_id=bulk.pk)
    } == {user.pk}


def _evaluation_of(record):
    if hasattr(record, "evaluation_id"):
        return record.evaluation_id
    return BudgetProject.history.filter(id=record.project_id).first().evaluation_id


def test_bulk_delete_handles_everything_that_refers_to_projects():
    """Django's delete would cascade or unlink these; the bulk delete does it
    by hand, so a new foreign key to a project must be added there too."""
    refer = {
        model: sorted(
            (r.related_model.__name__, r.field.name, r.on_delete.__name__)
            for r in model._meta.related_objects
            if not r.related_model.__name__.startswith("Historical")
        )
        for model in (BudgetProject, Indicator, TargetProject)
    }
    assert refer == {
        BudgetProject: [
            ("Indicator", "project", "CASCADE"),
            ("ReviewComment", "project", "SET_NULL"),
        ],
        Indicator: [("ReviewComment", "indicator", "SET_NULL")],
        TargetProject: [("TargetIndicator", "project", "CASCADE")],
    }


def test_replacing_the_target_table_deletes_its_rows_with_history():
    evaluation = factories.EvaluationFactory()
    row = {
        "seq": 1,
        "name": "职业技能培训",
        "fund_user": "某某中心",
        "fiscal": Decimal("50"),
        "special_account": None,
        "other": None,
        "goal": "",
        "indicators": [
            CodedIndicator(1, "1", "产出指标", "11", "数量指标", "人数", "", "≥1人")
        ],
    }
    services.target_projects_bulk_create(evaluation=evaluation, rows=[row])
    assert services.target_projects_delete_all(evaluation=evaluation) == 1
    assert not TargetProject.objects.filter(evaluation=evaluation).exists()
    assert [r.history_type for r in TargetProject.history.filter(name=row["name"])] == [
        "-",
        "+",
    ]
