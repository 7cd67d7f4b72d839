"""Fill-in and review pages. Thin: scope through the selectors, call one service.

A department the user may not see is a 404, never a hint that it exists.
"""

import itertools
import json
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from departments.selectors import fillable_departments, reviewable_departments
from departments.services import audit_log
from projects import services, snapshots, workflow
from projects.forms import (
    ActionForm,
    BudgetProjectForm,
    ExplanationForm,
    IndicatorFormSet,
)
from projects.models import BudgetProject, Evaluation, Indicator
from projects.selectors import evaluation_list
from scoring import calculations as calc
from scoring.selectors import evaluation_summaries, evaluation_summary

NOT_FILLER = "只有本部门的填报人可以修改。"


def _evaluation(request: HttpRequest, code: str, year: int) -> Evaluation:
    evaluation = (
        evaluation_list(user=request.user)
        .filter(department__code=code, year=year)
        .first()
    )
    if evaluation is None:
        audit_log(
            action="denied:view",
            request=request,
            success=False,
            detail=f"{code}/{year}",
        )
        raise Http404("没有找到该部门年度的自评。")
    return evaluation


def _require_filler(request: HttpRequest, evaluation: Evaluation) -> None:
    if not workflow.has_role(request.user, evaluation, workflow.FILLER):
        audit_log(
            action="denied:edit",
            request=request,
            success=False,
            department=evaluation.department,
            detail=str(evaluation),
        )
        raise PermissionDenied(NOT_FILLER)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    evaluations = list(
        evaluation_list(user=request.user).order_by("department__code", "-year")
    )
    summaries = evaluation_summaries(evaluations)
    fillable = set(fillable_departments(user=request.user).values_list("pk", flat=True))
    rows = []
    for evaluation in evaluations:
        can_fill = evaluation.department_id in fillable
        rows.append(
            {
                "evaluation": evaluation,
                "summary": summaries[evaluation.pk],
                "can_fill": can_fill,
                # What still stops a submission: only for the filler's own
                # drafts, so a reviewer's list of 300 units stays cheap.
                "missing": len(workflow.submission_problems(evaluation))
                if can_fill and evaluation.is_editable
                else 0,
            }
        )
    queue = evaluation_list(user=request.user).filter(
        status=Evaluation.Status.SUBMITTED,
        department__in=reviewable_departments(user=request.user),
    )
    return render(
        request, "projects/home.html", {"rows": rows, "queue_count": queue.count()}
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    queue = (
        evaluation_list(user=request.user)
        .filter(
            status=Evaluation.Status.SUBMITTED,
            department__in=reviewable_departments(user=request.user),
        )
        .order_by("submitted_at", "pk")
    )
    return render(request, "projects/review_queue.html", {"queue": queue})


@login_required
def evaluation_detail(request: HttpRequest, code: str, year: int) -> HttpResponse:
    evaluation = _evaluation(request, code, year)
    projects = evaluation.projects.prefetch_related(
        Prefetch(
            "indicators",
            queryset=Indicator.objects.select_related("level1", "level2").order_by(
                "level1__order", "level2__order", "order"
            ),
        ),
        "comments",
    )
    context = {
        "evaluation": evaluation,
        "projects": projects,
        "summary": evaluation_summary(evaluation),
        "transitions": workflow.allowed_transitions(evaluation, request.user),
        "can_fill": workflow.has_role(request.user, evaluation, workflow.FILLER),
        "can_review": workflow.has_role(request.user, evaluation, workflow.REVIEWER),
        "problems": workflow.submission_problems(evaluation)
        if evaluation.is_editable
        else [],
        "events": evaluation.events.select_related("actor"),
        "comments": evaluation.comments.select_related("project", "indicator"),
        "explanation_form": ExplanationForm(instance=evaluation),
        "target_projects": evaluation.target_projects.prefetch_related(
            "indicators__level2"
        ),
    }
    return render(request, "projects/evaluation_detail.html", context)


@login_required
@require_POST
def evaluation_action(request: HttpRequest, code: str, year: int) -> HttpResponse:
    evaluation = _evaluation(request, code, year)
    form = ActionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in workflow.TRANSITIONS:
        messages.error(request, "无效的操作。")
        return redirect("projects:evaluation", code=code, year=year)
    item_comments = []
    for project in evaluation.projects.all():
        text = request.POST.get(f"comment-project-{project.pk}", "")
        if text.strip():
            item_comments.append((project, None, text))
    try:
        workflow.evaluation_transition(
            evaluation=evaluation,
            action=form.cleaned_data["action"],
            actor=request.user,
            comment=form.cleaned_data["comment"],
            item_comments=item_comments,
            expected_version=form.cleaned_data["version"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except workflow.NotAllowed as exc:
        raise PermissionDenied(exc.messages[0]) from exc
    except workflow.WorkflowError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        label = workflow.TRANSITIONS[form.cleaned_data["action"]].label
        messages.success(request, f"已{label}。")
    return redirect("projects:evaluation", code=code, year=year)


@login_required
@require_POST
def evaluation_explain(request: HttpRequest, code: str, year: int) -> HttpResponse:
    evaluation = _evaluation(request, code, year)
    _require_filler(request, evaluation)
    form = ExplanationForm(request.POST, instance=evaluation)
    if form.is_valid():
        try:
            services.evaluation_explain_findings(
                evaluation=evaluation, text=form.cleaned_data["findings_explanation"]
            )
            messages.success(request, "已保存核对差异说明。")
        except workflow.WorkflowError as exc:
            messages.error(request, exc.messages[0])
    return redirect("projects:evaluation", code=code, year=year)


def _project_forms(request, evaluation, project):
    data = request.POST if request.method == "POST" else None
    form = BudgetProjectForm(data, instance=project, evaluation=evaluation)
    formset = IndicatorFormSet(data, instance=project, prefix="indicators")
    return form, formset


@login_required
def project_edit(
    request: HttpRequest, code: str, year: int, pk: int | None = None
) -> HttpResponse:
    evaluation = _evaluation(request, code, year)
    _require_filler(request, evaluation)
    project = (
        get_object_or_404(BudgetProject, pk=pk, evaluation=evaluation)
        if pk
        else BudgetProject(evaluation=evaluation, seq=evaluation.projects.count() + 1)
    )
    if not evaluation.is_editable:
        messages.error(
            request,
            workflow.LOCKED.format(
                evaluation=evaluation, status=evaluation.get_status_display()
            ),
        )
        return redirect("projects:evaluation", code=code, year=year)
    form, formset = _project_forms(request, evaluation, project)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        formset.save(commit=False)  # fills formset.deleted_objects
        kept = [
            f.instance
            for f in formset.forms
            if f not in formset.deleted_forms
            and f.instance.level2_id
            and (f.instance.pk or f.has_changed())
        ]
        try:
            services.project_save_with_indicators(
                project=form.instance,
                indicators=kept,
                deleted=formset.deleted_objects,
                expected_version=form.cleaned_data.get("version"),
            )
        except workflow.WorkflowError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"已保存项目“{form.instance.name}”。")
            return redirect("projects:evaluation", code=code, year=year)
    return render(
        request,
        "projects/project_form.html",
        {
            "evaluation": evaluation,
            "project": project,
            "form": form,
            "formset": formset,
            "preview": _preview_values(form, formset),
        },
    )


def _decimal(value) -> Decimal | None:
    try:
        return calc.to_decimal(value) if value not in (None, "") else None
    except (ValueError, TypeError):
        return None


def _preview_values(form, formset) -> dict:
    """Totals, rate and scores of what is on the form, saved or not."""
    data = form.data if form.is_bound else None

    def amount(name):
        if data is not None:
            return _decimal(data.get(name))
        return getattr(form.instance, name, None)

    def total(names):
        values = [amount(n) for n in names if n in form.fields]
        known = [v for v in values if v is not None]
        return sum(known, Decimal("0.00")) if known else None

    budget = (
        total(["budget_general", "budget_fund", "budget_special", "budget_other"])
        if "budget_general" in form.fields
        else amount("budget_total_unsplit")
    )
    actual = total(["actual_general", "actual_fund", "actual_special", "actual_other"])
    rate = calc.execution_rate(budget=budget, actual=actual)
    scores = []
    for f in formset.forms:
        prefix = f.prefix
        if data is not None:
            annual, done = (
                data.get(f"{prefix}-annual_value", ""),
                data.get(f"{prefix}-actual_value", ""),
            )
            weight = _decimal(data.get(f"{prefix}-weight"))
        else:
            annual, done = f.instance.annual_value, f.instance.actual_value
            weight = f.instance.weight
        score = None
        target = calc.parse_indicator_value(services.strip_item_number(annual or ""))
        actual_value = calc.parse_indicator_value(
            services.strip_item_number(done or "")
        )
        if weight is not None and actual_value.number is not None:
            score = calc.quantitative_score(
                target=target, actual=actual_value.number, weight=weight
            )
        scores.append(
            {
                "prefix": prefix,
                "operator": target.operator.value,
                "target": None if target.number is None else str(target.number),
                "unit": target.unit,
                "score": None if score is None else str(score),
            }
        )
    return {
        "budget_total": None if budget is None else str(calc.q2(budget)),
        "actual_total": None if actual is None else str(calc.q2(actual)),
        "execution_rate": None if rate is None else str(rate),
        "indicators": scores,
    }


@login_required
@require_POST
def project_preview(
    request: HttpRequest, code: str, year: int, pk: int | None = None
) -> JsonResponse:
    """Live recomputation for the edit page: the same rules, nothing saved."""
    evaluation = _evaluation(request, code, year)
    _require_filler(request, evaluation)
    project = (
        get_object_or_404(BudgetProject, pk=pk, evaluation=evaluation)
        if pk
        else BudgetProject(evaluation=evaluation, seq=1)
    )
    form, formset = _project_forms(request, evaluation, project)
    return JsonResponse(_preview_values(form, formset))


@login_required
def evaluation_history(request: HttpRequest, code: str, year: int) -> HttpResponse:
    evaluation = _evaluation(request, code, year)
    snaps = list(evaluation.snapshots.order_by("created_at"))
    first_submitted = next((s for s in snaps if s.kind == "submitted"), None)
    approved = next((s for s in reversed(snaps) if s.kind == "approved"), None)
    changes = (
        snapshots.diff(first_submitted.content, approved.content)
        if first_submitted and approved
        else None
    )
    project_history = []
    for project in evaluation.projects.order_by("seq"):
        records = list(project.history.select_related("history_user")[:50])
        for newer, older in itertools.pairwise(records):
            delta = newer.diff_against(older)
            for change in delta.changes:
                project_history.append(
                    {
                        "project": project.name,
                        "when": newer.history_date,
                        "who": newer.history_user,
                        "field": project._meta.get_field(change.field).verbose_name,
                        "old": change.old,
                        "new": change.new,
                    }
                )
    project_history.sort(key=lambda row: row["when"], reverse=True)
    return render(
        request,
        "projects/history.html",
        {
            "evaluation": evaluation,
            "events": evaluation.events.select_related("actor"),
            "snapshots": snaps,
            "changes": changes,
            "first_submitted": first_submitted,
            "approved": approved,
            "project_history": project_history,
        },
    )


def preview_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
