"""Forms of the fill-in pages: a project with its indicators."""

from django import forms
from django.forms import inlineformset_factory

from projects.models import BudgetProject, Evaluation, Indicator, IndicatorCategory

AMOUNT_ATTRS = {"class": "amount", "inputmode": "decimal", "step": "0.01"}
BUDGET_SPLIT = ["budget_general", "budget_fund", "budget_special", "budget_other"]
ACTUALS = ["actual_general", "actual_fund", "actual_special", "actual_other"]


class BudgetProjectForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = BudgetProject
        fields = [
            "seq",
            "name",
            "code",
            *BUDGET_SPLIT,
            "budget_total_unsplit",
            *ACTUALS,
            "excluded_from_execution_rate",
            "exclusion_note",
            "annual_goal",
            "completion",
            "problems",
            "rectification",
            "remark",
        ]
        widgets = {
            name: forms.NumberInput(attrs=AMOUNT_ATTRS)
            for name in [*BUDGET_SPLIT, "budget_total_unsplit", *ACTUALS]
        } | {
            name: forms.Textarea(attrs={"rows": 3})
            for name in [
                "exclusion_note",
                "annual_goal",
                "completion",
                "problems",
                "rectification",
                "remark",
            ]
        }

    def __init__(self, *args, evaluation: Evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.evaluation = evaluation
        # The 2020 layout publishes the budget as one figure; the 2021 one by
        # funding source. Only the matching fields are offered.
        hidden = (
            ["budget_total_unsplit"] if evaluation.budget_by_source else BUDGET_SPLIT
        )
        for name in hidden:
            del self.fields[name]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        amounts = [
            data.get(name)
            for name in self.fields
            if name.startswith(("budget_", "actual_"))
        ]
        if all(value is None for value in amounts):
            raise forms.ValidationError("请至少填写一项预算数或执行数。")
        return data


class IndicatorForm(forms.ModelForm):
    level2 = forms.ModelChoiceField(
        label="二级指标",
        queryset=IndicatorCategory.objects.filter(level=2, is_active=True)
        .select_related("parent")
        .order_by("order"),
    )

    class Meta:
        model = Indicator
        fields = [
            "level2",
            "name",
            "annual_value",
            "actual_value",
            "weight",
            "score",
            "completion_level",
            "deviation_reason",
            "order",
        ]
        widgets = {
            "annual_value": forms.Textarea(attrs={"rows": 2}),
            "actual_value": forms.Textarea(attrs={"rows": 2}),
            "deviation_reason": forms.Textarea(attrs={"rows": 2}),
            "weight": forms.NumberInput(attrs={"step": "0.01", "class": "score"}),
            "score": forms.NumberInput(attrs={"step": "0.01", "class": "score"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level2"].label_from_instance = lambda c: (
            f"{c.parent.name} › {c.name}"
        )
        self.fields["order"].required = False

    def clean(self):
        data = super().clean()
        level2 = data.get("level2")
        if level2 is not None:
            # 一级 follows from 二级: one choice, no way to pick a mismatch.
            self.instance.level1 = level2.parent
        weight, score = data.get("weight"), data.get("score")
        if weight is not None and score is not None and score > weight:
            self.add_error("score", f"得分 {score} 不能超过分值 {weight}。")
        return data


IndicatorFormSet = inlineformset_factory(
    BudgetProject,
    Indicator,
    form=IndicatorForm,
    extra=1,
    can_delete=True,
)


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label="意见", required=False, widget=forms.Textarea)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ExplanationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["findings_explanation"]
        widgets = {"findings_explanation": forms.Textarea(attrs={"rows": 4})}
